package auth

import "github.com/parley-chat/parley/internal/store"

// Identity is who is calling: a signed-in user (with their role) or a
// widget visitor.
type Identity struct {
	Kind store.SenderKind `json:"kind"` // user | visitor
	ID   int64            `json:"id"`
	Role string           `json:"role,omitempty"`
	Name string           `json:"name,omitempty"`
	// Unverified is set for a user whose e-mail was not verified when
	// their access token was issued (see Service.RequireVerified).
	Unverified bool `json:"unverified,omitempty"`
	// Browser is the language a realtime session's browser asked for when
	// it connected (Accept-Language), for its error frames.
	Browser string `json:"-"`
}

// Roles.
const (
	RoleUser  = "user"
	RoleAgent = "agent"
	RoleAdmin = "admin"
)

// IsAdmin reports whether the identity is an admin user.
func (i Identity) IsAdmin() bool { return i.Kind == store.SenderUser && i.Role == RoleAdmin }
