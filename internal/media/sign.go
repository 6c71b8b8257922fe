package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// Signer signs and checks the expiring URLs that serve media, so that
// <img> and <audio> elements work without an Authorization header.
type Signer struct {
	key []byte
	old [][]byte // keys of previous secrets: they verify, never sign
}

// NewSigner derives the URL key from the deployment secret; the secret
// itself never signs anything outside its own purpose. URLs signed with a
// previous secret still verify, so a key rotation breaks no open page.
func NewSigner(secret string, previous ...string) *Signer {
	s := &Signer{key: urlKey(secret)}
	for _, p := range previous {
		if p != "" {
			s.old = append(s.old, urlKey(p))
		}
	}
	return s
}

func urlKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("parley media url v1"))
	return m.Sum(nil)
}

// Expiry is the expiry of a URL signed at now to live ttl. It is rounded
// up to a step (a twenty-fourth of ttl, between 1 s and 1 h) so that the
// same URL is handed out for a while and browsers can cache it.
func (s *Signer) Expiry(now time.Time, ttl time.Duration) int64 {
	step := int64(min(max(ttl/24, time.Second), time.Hour) / time.Second)
	t := now.Add(ttl).Unix()
	return (t + step - 1) / step * step
}

// Path is the signed path of an upload or its thumbnail, expiring at exp.
func (s *Signer) Path(id int64, thumb bool, exp int64) string {
	p := "/media/" + strconv.FormatInt(id, 10)
	if thumb {
		p += "/thumb"
	}
	return p + "?exp=" + strconv.FormatInt(exp, 10) + "&sig=" + s.sign(id, thumb, exp)
}

func (s *Signer) sign(id int64, thumb bool, exp int64) string { return signURL(s.key, id, thumb, exp) }

func signURL(key []byte, id int64, thumb bool, exp int64) string {
	variant := "o"
	if thumb {
		variant = "t"
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strconv.FormatInt(id, 10) + "/" + variant + "/" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Valid reports whether sig signs this URL (expiry not checked).
func (s *Signer) Valid(id int64, thumb bool, exp int64, sig string) bool {
	if hmac.Equal([]byte(sig), []byte(s.sign(id, thumb, exp))) {
		return true
	}
	for _, k := range s.old {
		if hmac.Equal([]byte(sig), []byte(signURL(k, id, thumb, exp))) {
			return true
		}
	}
	return false
}
