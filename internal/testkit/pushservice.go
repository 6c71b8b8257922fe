package testkit

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/hkdf"
)

// PushService is a Web Push service stand-in (RFC 8030) on loopback: it
// takes the pushes Parley posts to its devices' endpoints, checks their
// VAPID authorisation (RFC 8292) against the server's public key and
// decrypts their aes128gcm payload (RFC 8291) with the device's private
// keys, as a browser's push service and the browser would. Parley reaches
// it only when started WithOutboundAllow("127.0.0.1/32").
type PushService struct {
	URL string
	// VAPIDKey is the server's public key (GET /api/v1/push/vapid-public-key):
	// pushes signed by another key are refused with 403.
	VAPIDKey string

	tb      testing.TB
	mu      sync.Mutex
	devices map[string]*PushDevice
	pushes  []Push
	arrived chan struct{}
}

// PushDevice is one browser's subscription: its endpoint at the stand-in
// and the keys a browser generates for it.
type PushDevice struct {
	Endpoint string
	P256dh   string // base64url, as PushSubscription.toJSON() gives it
	Auth     string

	key    *ecdh.PrivateKey
	secret []byte
	status int // what the push service answers
}

// Push is one push the stand-in took, decrypted.
type Push struct {
	Device  *PushDevice
	Payload []byte
	TTL     string
	Urgency string
	Topic   string
	At      time.Time // when it was decrypted (real time)
	// Err says why the push was refused (a bad VAPID token, a payload
	// that does not decrypt); nil for a good one.
	Err error
}

// StartPushService starts the stand-in; it stops when the test ends.
func StartPushService(tb testing.TB) *PushService {
	tb.Helper()
	p := &PushService{tb: tb, devices: map[string]*PushDevice{}, arrived: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// NewDevice makes a subscription as a browser does: a fresh P-256 key
// pair and a 16-byte authentication secret. The stand-in answers its
// pushes with 201 until SetStatus says otherwise.
func (p *PushService) NewDevice() *PushDevice {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		p.tb.Fatal(err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	d := &PushDevice{
		Endpoint: p.URL + "/wpush/" + base64.RawURLEncoding.EncodeToString(id),
		P256dh:   base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(secret),
		key:      key, secret: secret, status: http.StatusCreated,
	}
	p.mu.Lock()
	p.devices[d.Endpoint] = d
	p.mu.Unlock()
	return d
}

// Subscription is the device's PushSubscription.toJSON(), the body of
// POST /api/v1/push/subscriptions.
func (d *PushDevice) Subscription() map[string]any {
	return map[string]any{"endpoint": d.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth}}
}

// SetStatus makes the stand-in answer the device's next pushes with code
// (410: the subscription expired; 429 or 5xx: try later).
func (p *PushService) SetStatus(d *PushDevice, code int) {
	p.mu.Lock()
	d.status = code
	p.mu.Unlock()
}

// Pushes returns the pushes taken so far.
func (p *PushService) Pushes() []Push {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Push(nil), p.pushes...)
}

// WaitPushes waits until n pushes have arrived and returns them.
func (p *PushService) WaitPushes(n int, timeout time.Duration) []Push {
	p.tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if got := p.Pushes(); len(got) >= n {
			return got
		}
		select {
		case <-p.arrived:
		case <-deadline.C:
			p.tb.Fatalf("push service: %d pushes within %v, want %d", len(p.Pushes()), timeout, n)
		}
	}
}

func (p *PushService) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	d := p.devices[p.URL+r.URL.Path]
	status := http.StatusGone
	if d != nil {
		status = d.status
	}
	p.mu.Unlock()
	if r.Method != http.MethodPost || d == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
	push := Push{Device: d, TTL: r.Header.Get("TTL"), Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic")}
	if push.Err = p.checkVAPID(r.Header.Get("Authorization")); push.Err == nil {
		if r.Header.Get("Content-Encoding") != "aes128gcm" {
			push.Err = fmt.Errorf("Content-Encoding %q, want aes128gcm", r.Header.Get("Content-Encoding"))
		} else {
			push.Payload, push.Err = d.decrypt(body)
		}
	}
	push.At = time.Now()
	if push.Err != nil {
		status = http.StatusForbidden
		if !strings.Contains(push.Err.Error(), "VAPID") {
			status = http.StatusBadRequest
		}
	}
	p.mu.Lock()
	p.pushes = append(p.pushes, push)
	p.mu.Unlock()
	select {
	case p.arrived <- struct{}{}:
	default:
	}
	w.WriteHeader(status)
}

// checkVAPID verifies "vapid t=<JWT>, k=<public key>": k is the server's
// key, the JWT is ES256-signed by it, for this push service's origin, not
// expired (nor valid for more than a day), with a mailto: or https: subject.
func (p *PushService) checkVAPID(header string) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return fmt.Errorf("VAPID: Authorization %q is not vapid", header)
	}
	var token, key string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	if key == "" || key != p.VAPIDKey {
		return fmt.Errorf("VAPID: key %q is not the server's %q", key, p.VAPIDKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		return fmt.Errorf("VAPID: key is not an uncompressed P-256 point")
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(raw[1:33]), Y: new(big.Int).SetBytes(raw[33:])}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithAudience(p.URL))
	if err != nil {
		return fmt.Errorf("VAPID: token: %w", err)
	}
	if exp, _ := claims.GetExpirationTime(); exp.After(time.Now().Add(24 * time.Hour)) {
		return errors.New("VAPID: token valid for more than 24 hours")
	}
	sub, _ := claims.GetSubject()
	if !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https://") {
		return fmt.Errorf("VAPID: subject %q is neither mailto: nor https:", sub)
	}
	if u, err := url.Parse(sub); err != nil || (u.Opaque == "" && u.Host == "") {
		return fmt.Errorf("VAPID: subject %q", sub)
	}
	return nil
}

// decrypt opens an aes128gcm body (RFC 8188) encrypted to the device as
// RFC 8291 says: the header carries the salt, the record size and the
// server's ephemeral public key.
func (d *PushDevice) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("body shorter than its header")
	}
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idLen || idLen != 65 {
		return nil, fmt.Errorf("key id of %d bytes, want a 65-byte P-256 point", idLen)
	}
	asPublic, ciphertext := body[21:21+idLen], body[21+idLen:]
	if rs < 18 || len(ciphertext) > int(rs) {
		return nil, fmt.Errorf("one record of %d bytes in record size %d", len(ciphertext), rs)
	}
	serverKey, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	shared, err := d.key.ECDH(serverKey)
	if err != nil {
		return nil, err
	}
	keyInfo := append(append([]byte("WebPush: info\x00"), d.key.PublicKey().Bytes()...), asPublic...)
	ikm := expand(shared, d.secret, keyInfo, 32)
	cek := expand(ikm, salt, []byte("Content-Encoding: aes128gcm\x00"), 16)
	nonce := expand(ikm, salt, []byte("Content-Encoding: nonce\x00"), 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	// The last record ends with the delimiter 2 and zero padding.
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// expand is HKDF-SHA-256 (extract with salt, then expand with info).
func expand(secret, salt, info []byte, n int) []byte {
	out := make([]byte, n)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, salt, info), out); err != nil {
		panic(err)
	}
	return out
}
