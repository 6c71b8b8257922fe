package support

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// visitorToken mints a token for a visitor: its id, a nonce and an HMAC
// with the server's key. Tokens need no table, so every device of an
// identified visitor holds a valid one at once.
func (s *Visitors) visitorToken(id int64) string {
	nonce := randomKey("", 9)
	payload := strconv.FormatInt(id, 10) + "." + nonce
	return "vt_" + payload + "." + s.sign(payload)
}

func (s *Visitors) sign(payload string) string { return signWith(s.tokenKey, payload) }

func signWith(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// signedByUs reports whether sig signs payload with the current key or the
// key of the previous deployment secret.
func (s *Visitors) signedByUs(payload, sig string) bool {
	if hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return true
	}
	for _, k := range s.oldKeys {
		if hmac.Equal([]byte(sig), []byte(signWith(k, payload))) {
			return true
		}
	}
	return false
}

// signedWithCurrentKey reports whether a visitor token carries the
// current key's signature (not only a previous key's).
func (s *Visitors) signedWithCurrentKey(token string) bool {
	rest := strings.TrimPrefix(token, "vt_")
	i := strings.LastIndexByte(rest, '.')
	return i >= 0 && hmac.Equal([]byte(rest[i+1:]), []byte(s.sign(rest[:i])))
}

// visitorIDFromToken verifies a visitor token and returns its visitor id.
func (s *Visitors) visitorIDFromToken(token string) (int64, bool) {
	rest, ok := strings.CutPrefix(token, "vt_")
	if !ok {
		return 0, false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return 0, false
	}
	payload, sig := rest[:i], rest[i+1:]
	if !s.signedByUs(payload, sig) {
		return 0, false
	}
	idPart, _, _ := strings.Cut(payload, ".")
	id, err := strconv.ParseInt(idPart, 10, 64)
	return id, err == nil && id > 0
}

func visitorTokenKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("parley visitor token"))
	return m.Sum(nil)
}
