package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/internal/store"
)

// vapidSetting names the app setting that keeps the VAPID private key.
const vapidSetting = "push.vapid_private_key"

// Keys is the server's VAPID key pair (RFC 8292), base64url without
// padding: Public is the uncompressed P-256 point browsers take as
// applicationServerKey, Private the scalar that signs the requests.
type Keys struct {
	Public  string
	Private string
}

// LoadKeys returns the deployment's VAPID keys, generating them on first
// use. They live in the database, so that every node signs with the same
// key and subscriptions made through one node are pushed by any other;
// the first node to store a pair wins and the others read it.
func LoadKeys(ctx context.Context, st *store.Store) (Keys, error) {
	v, err := st.Setting(ctx, vapidSetting)
	if errors.Is(err, store.ErrNotFound) {
		k, gerr := ecdh.P256().GenerateKey(rand.Reader)
		if gerr != nil {
			return Keys{}, gerr
		}
		v = base64.RawURLEncoding.EncodeToString(k.Bytes())
		err = st.InsertSetting(ctx, vapidSetting, v)
		if errors.Is(err, store.ErrConflict) {
			v, err = st.Setting(ctx, vapidSetting)
		}
	}
	if err != nil {
		return Keys{}, fmt.Errorf("VAPID keys: %w", err)
	}
	return keysFromPrivate(v)
}

func keysFromPrivate(v string) (Keys, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return Keys{}, fmt.Errorf("VAPID keys: stored private key: %w", err)
	}
	k, err := ecdh.P256().NewPrivateKey(raw)
	if err != nil {
		return Keys{}, fmt.Errorf("VAPID keys: stored private key: %w", err)
	}
	return Keys{Public: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), Private: v}, nil
}
