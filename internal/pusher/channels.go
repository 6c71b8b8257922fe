// Package pusher makes Parley a Pusher Channels server: each site is a
// Pusher app whose sockets (protocol 7 at /app/{key}) ride on the same
// realtime hub and broker as Parley's own, whose signed HTTP API
// (/apps/{app_id}/...) triggers events and answers channel queries, and
// whose channel and presence changes go out as Pusher-format webhooks.
package pusher

import (
	"strings"
)

// Kind is the kind of a channel, read from its name's prefix.
type Kind int

// Channel kinds.
const (
	Public Kind = iota
	Private
	Presence
	Encrypted
	// ServerToUser is "#server-to-user-{id}": events to a signed-in user.
	ServerToUser
)

// MaxChannelName is the longest channel name Pusher accepts.
const MaxChannelName = 200

const serverToUserPrefix = "#server-to-user-"

// KindOf reads a channel's kind from its name.
func KindOf(name string) Kind {
	switch {
	case strings.HasPrefix(name, "private-encrypted-"):
		return Encrypted
	case strings.HasPrefix(name, "private-"):
		return Private
	case strings.HasPrefix(name, "presence-"):
		return Presence
	case strings.HasPrefix(name, serverToUserPrefix):
		return ServerToUser
	}
	return Public
}

// Authenticated reports whether subscribing needs an auth signature.
func (k Kind) Authenticated() bool { return k == Private || k == Presence || k == Encrypted }

// ValidChannel reports whether name is a channel name Pusher accepts: 1 to
// 200 characters of A-Z a-z 0-9 _ - = @ , . ; (a server-to-user channel
// starts with "#").
func ValidChannel(name string) bool {
	if name == "" || len(name) > MaxChannelName {
		return false
	}
	rest := name
	if strings.HasPrefix(name, serverToUserPrefix) {
		rest = name[1:]
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_-=@,.;", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidEventName reports whether an event name is acceptable: 1 to 200
// bytes.
func ValidEventName(name string) bool { return name != "" && len(name) <= 200 }
