package pusher

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HMAC is the hex HMAC-SHA256 of msg with secret: every Pusher signature.
func HMAC(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// ChannelAuth is the auth a client sends to subscribe to a private or
// presence channel: "key:HMAC(secret, socket_id:channel[:channel_data])".
func ChannelAuth(key, secret, socketID, channel, channelData string) string {
	msg := socketID + ":" + channel
	if channelData != "" {
		msg += ":" + channelData
	}
	return key + ":" + HMAC(secret, msg)
}

// UserAuth is the auth of pusher:signin:
// "key:HMAC(secret, socket_id::user::user_data)".
func UserAuth(key, secret, socketID, userData string) string {
	return key + ":" + HMAC(secret, socketID+"::user::"+userData)
}

// APIWindow is how far a signed HTTP API request's auth_timestamp may be
// from the server's clock.
const APIWindow = 600 * time.Second

// SignRequest adds auth_key, auth_timestamp, auth_version, body_md5 (for a
// body) and auth_signature to query for a request, as the server SDKs do.
func SignRequest(key, secret, method, path string, query url.Values, body []byte, now time.Time) url.Values {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("auth_key", key)
	q.Set("auth_timestamp", strconv.FormatInt(now.Unix(), 10))
	q.Set("auth_version", "1.0")
	if len(body) > 0 {
		q.Set("body_md5", BodyMD5(body))
	}
	q.Set("auth_signature", HMAC(secret, StringToSign(method, path, q)))
	return q
}

// BodyMD5 is the hex MD5 of a request body.
func BodyMD5(body []byte) string {
	s := md5.Sum(body)
	return hex.EncodeToString(s[:])
}

// StringToSign is "METHOD\nPATH\nQUERY", the query being every parameter
// but auth_signature, keys lower-cased and sorted, values not escaped.
func StringToSign(method, path string, query url.Values) string {
	keys := make([]string, 0, len(query))
	vals := map[string]string{}
	for k, v := range query {
		lk := strings.ToLower(k)
		if lk == "auth_signature" {
			continue
		}
		keys = append(keys, lk)
		if len(v) > 0 {
			vals[lk] = v[0]
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + vals[k]
	}
	return strings.ToUpper(method) + "\n" + path + "\n" + strings.Join(parts, "&")
}

// equal compares two signatures in constant time.
func equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
