package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/i18n"
	"golang.org/x/crypto/argon2"
)

// argon2id parameters (OWASP's second recommended set: 19 MiB, t=2, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the encoded hash.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	passwordChecks.Add(1)
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// passwordChecks counts argon2id computations of CheckPassword.
var passwordChecks atomic.Int64

// PasswordChecks is how many passwords this process has checked against a
// hash, real or dummy: tests read it to see that a login for an unknown
// account spends a hash like one with a wrong password.
func PasswordChecks() int64 { return passwordChecks.Load() }

// dummyHash is checked against when the account does not exist, so that a
// login for an unknown user takes as long as one with a wrong password.
var dummyHash, _ = HashPassword("parley-timing-equaliser")

// commonPasswordList holds 10,000 common passwords of 8 characters or
// more, most common first, lower-cased: see the README ("Accounts, rate
// limits and keys") for where it comes from.
//
//go:embed common_passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for _, p := range strings.Split(commonPasswordList, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			m[p] = struct{}{}
		}
	}
	return m
}()

// passwordProblem says why pw may not be a password ("" when it may): it
// must be 8 to 128 characters and not one of the common passwords, in any
// letter case.
func passwordProblem(pw string) string {
	if l := utf8.RuneCountInString(pw); l < 8 || l > 128 {
		return i18n.N("8 to 128 characters")
	}
	if _, ok := commonPasswords[strings.ToLower(pw)]; ok {
		return i18n.N("too common: it is on lists of leaked passwords; choose another")
	}
	return ""
}
