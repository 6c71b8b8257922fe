package social

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/store"
)

// Group roles and join policies.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"

	PolicyOpen     = "open"
	PolicyApproval = "approval"
	PolicyInvite   = "invite"
)

// Group is a group as its members see it.
type Group struct {
	ID             int64     `json:"id"`
	Number         int64     `json:"number"`
	Name           string    `json:"name"`
	AvatarURL      string    `json:"avatar_url"`
	Announcement   string    `json:"announcement"`
	JoinPolicy     string    `json:"join_policy"`
	MuteAll        bool      `json:"mute_all"`
	MemberCount    int64     `json:"member_count"`
	MemberCap      int       `json:"member_cap"`
	OwnerID        int64     `json:"owner_id"`
	ConversationID int64     `json:"conversation_id"`
	MyRole         string    `json:"my_role,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// GroupFrame tells members that a group changed, or a user that they are
// no longer in it.
type GroupFrame struct {
	Type    string `json:"type"`  // group
	Event   string `json:"event"` // created | updated | joined | removed | dissolved
	GroupID int64  `json:"group_id"`
	Group   *Group `json:"group,omitempty"`
}

var (
	errNoGroup   = errs.R(errs.NotFound, "group_not_found", "no such group")
	errNeedAdmin = errs.R(errs.Forbidden, "forbidden", "only the group's owner and admins may do this")
	errNeedOwner = errs.R(errs.Forbidden, "forbidden", "only the group's owner may do this")
)

func groupView(g *store.Group, count int64, role string) *Group {
	return &Group{
		ID: g.ID, Number: g.Number, Name: g.Name, AvatarURL: g.AvatarURL, Announcement: g.Announcement,
		JoinPolicy: g.JoinPolicy, MuteAll: g.MuteAll, MemberCount: count, MemberCap: g.MemberCap,
		OwnerID: g.OwnerID, ConversationID: g.ConversationID, MyRole: role, CreatedAt: g.CreatedAt,
	}
}

// NewGroup is what it takes to create a group.
type NewGroup struct {
	Name       string
	AvatarURL  string
	JoinPolicy string
	// MemberIDs are friends of the creator who join at once.
	MemberIDs []int64
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", errs.Field("name", "1 to 64 characters")
	}
	return name, nil
}

func checkAvatar(a string) (string, error) {
	a = strings.TrimSpace(a)
	if a != "" && (len(a) > 1024 || !(strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "/"))) {
		return "", errs.Field("avatar_url", "an http(s) URL or a path on this server")
	}
	return a, nil
}

func checkPolicy(p string) error {
	if p != PolicyOpen && p != PolicyApproval && p != PolicyInvite {
		return errs.Field("join_policy", "open, approval or invite")
	}
	return nil
}

// CreateGroup creates a group owned by userID with a fresh public number.
func (s *Service) CreateGroup(ctx context.Context, userID int64, in NewGroup) (*Group, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return nil, err
	}
	avatar, err := checkAvatar(in.AvatarURL)
	if err != nil {
		return nil, err
	}
	if in.JoinPolicy == "" {
		in.JoinPolicy = PolicyApproval
	}
	if err := checkPolicy(in.JoinPolicy); err != nil {
		return nil, err
	}
	memberIDs, err := s.checkFirstMembers(userID, in.MemberIDs)
	if err != nil {
		return nil, err
	}
	var (
		g     *store.Group
		sys   *store.Message
		added *store.Message
	)
	for attempt := 0; attempt < 5; attempt++ {
		err = s.store.Tx(ctx, func(tx *store.Store) error {
			now := s.now()
			conv := &store.Conversation{Kind: store.KindGroup, Title: name, LastMessageAt: &now, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateConversation(ctx, conv); err != nil {
				return err
			}
			g = &store.Group{
				Number: groupNumber(), Name: name, AvatarURL: avatar, JoinPolicy: in.JoinPolicy,
				MemberCap: s.cfg.GroupMemberCap, OwnerID: userID, ConversationID: conv.ID, CreatedAt: now, UpdatedAt: now,
			}
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
			if err := tx.AddMember(ctx, &store.Member{ConversationID: conv.ID, UserID: userID, Role: RoleOwner, JoinedAt: now}); err != nil {
				return err
			}
			sys, err = s.chat.PostSystemTx(ctx, tx, conv.ID, chat.Event{Type: chat.EventGroupCreated, Actor: s.who(ctx, tx, userID), Name: name})
			if err != nil {
				return err
			}
			added, err = s.addFirstMembersTx(ctx, tx, conv.ID, userID, memberIDs)
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			break // a taken number is retried with another
		}
	}
	if err != nil {
		return nil, asDomain(err, "create group")
	}
	s.chat.Announce(ctx, nil, sys)
	view := groupView(g, int64(1+len(memberIDs)), RoleOwner)
	if added != nil {
		s.chat.Announce(ctx, nil, added)
		s.publishGroup(ctx, view, "joined", nil)
	}
	return view, nil
}

// groupNumber draws a public group number of 6 to 9 digits.
func groupNumber() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return 100000 + int64(binary.BigEndian.Uint64(b[:])%899900000)
}

// name returns a user's display name for system messages.
// who names a user in a system event.
func (s *Service) who(ctx context.Context, st *store.Store, userID int64) *chat.EventUser {
	return &chat.EventUser{ID: userID, Name: s.name(ctx, st, userID)}
}

func (s *Service) name(ctx context.Context, st *store.Store, userID int64) string {
	u, err := st.UserByID(ctx, userID)
	if err != nil {
		return "someone"
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// membership loads a group and the caller's membership; non-members get
// 404 as if the group did not exist.
func (s *Service) membership(ctx context.Context, st *store.Store, groupID, userID int64, lock bool) (*store.Group, *store.Member, error) {
	var (
		g   *store.Group
		err error
	)
	if lock {
		g, err = st.GroupByIDForUpdate(ctx, groupID)
	} else {
		g, err = st.GroupByID(ctx, groupID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNoGroup
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, "load group")
	}
	m, err := st.Member(ctx, g.ConversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNoGroup
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, "load membership")
	}
	return g, m, nil
}

// ListGroups returns the caller's groups, newest first.
func (s *Service) ListGroups(ctx context.Context, userID, afterID int64, limit int) ([]Group, int64, error) {
	rows, err := s.store.GroupsForUser(ctx, userID, afterID, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list groups")
	}
	out := make([]Group, 0, len(rows))
	for i := range rows {
		out = append(out, *groupView(&rows[i].Group, rows[i].MemberCount, rows[i].Role))
	}
	var next int64
	if len(rows) == limit {
		next = rows[len(rows)-1].ID
	}
	return out, next, nil
}

// GetGroup returns one of the caller's groups.
func (s *Service) GetGroup(ctx context.Context, userID, groupID int64) (*Group, error) {
	g, m, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return nil, err
	}
	n, err := s.store.CountMembers(ctx, g.ConversationID)
	if err != nil {
		return nil, errs.Wrap(err, "count members")
	}
	return groupView(g, n, m.Role), nil
}

// GroupPatch changes a group; nil fields stay as they are.
type GroupPatch struct {
	Name         *string `json:"name"`
	AvatarURL    *string `json:"avatar_url"`
	Announcement *string `json:"announcement"`
	JoinPolicy   *string `json:"join_policy"`
	MuteAll      *bool   `json:"mute_all"`
	// AvatarMediaID makes an image the caller uploaded the group's picture.
	AvatarMediaID *int64 `json:"avatar_media_id"`
}

// UpdateGroup changes settings (owner and admins) and tells the members,
// with a system message for what the history should show.
func (s *Service) UpdateGroup(ctx context.Context, userID, groupID int64, p GroupPatch) (*Group, error) {
	var u store.GroupUpdate
	var notes []chat.Event
	var g *store.Group
	var sys []*store.Message
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var m *store.Member
		var err error
		if g, m, err = s.membership(ctx, tx, groupID, userID, true); err != nil {
			return err
		}
		if m.Role == RoleMember {
			return errNeedAdmin
		}
		who := s.who(ctx, tx, userID)
		if p.Name != nil {
			name, err := checkName(*p.Name)
			if err != nil {
				return err
			}
			if name != g.Name {
				u.Name = &name
				notes = append(notes, chat.Event{Type: chat.EventGroupRenamed, Actor: who, Name: name})
			}
		}
		if p.AvatarURL != nil {
			if p.AvatarMediaID != nil {
				return errs.Field("avatar_media_id", "send avatar_url or avatar_media_id, not both")
			}
			a, err := checkAvatar(*p.AvatarURL)
			if err != nil {
				return err
			}
			u.AvatarURL = &a
			u.AvatarUploadID = store.Null[int64]{Set: true}
		}
		if p.AvatarMediaID != nil {
			if err := media.CheckGroupAvatar(ctx, tx, userID, *p.AvatarMediaID, "avatar_media_id"); err != nil {
				return err
			}
			path := media.AvatarPath(*p.AvatarMediaID)
			u.AvatarURL = &path
			u.AvatarUploadID = store.Null[int64]{Set: true, Value: p.AvatarMediaID}
		}
		if p.Announcement != nil {
			a := strings.TrimSpace(*p.Announcement)
			if utf8.RuneCountInString(a) > 2000 {
				return errs.Field("announcement", "at most 2000 characters")
			}
			if a != g.Announcement {
				u.Announcement = &a
				if a == "" {
					notes = append(notes, chat.Event{Type: chat.EventAnnouncementRemoved, Actor: who})
				} else {
					notes = append(notes, chat.Event{Type: chat.EventAnnouncementPosted, Actor: who, Text: a})
				}
			}
		}
		if p.JoinPolicy != nil {
			if err := checkPolicy(*p.JoinPolicy); err != nil {
				return err
			}
			u.JoinPolicy = p.JoinPolicy
		}
		if p.MuteAll != nil && *p.MuteAll != g.MuteAll {
			u.MuteAll = p.MuteAll
			if *p.MuteAll {
				notes = append(notes, chat.Event{Type: chat.EventMuteAllOn, Actor: who})
			} else {
				notes = append(notes, chat.Event{Type: chat.EventMuteAllOff, Actor: who})
			}
		}
		if u == (store.GroupUpdate{}) {
			return nil
		}
		if err := tx.UpdateGroup(ctx, g.ID, u); err != nil {
			return err
		}
		if u.Name != nil {
			if err := tx.UpdateConversationTitle(ctx, g.ConversationID, *u.Name); err != nil {
				return err
			}
		}
		for _, n := range notes {
			m, err := s.chat.PostSystemTx(ctx, tx, g.ConversationID, n)
			if err != nil {
				return err
			}
			sys = append(sys, m)
		}
		return nil
	})
	if err != nil {
		return nil, asDomain(err, "update group")
	}
	s.chat.Announce(ctx, nil, sys...)
	view, err := s.GetGroup(ctx, userID, groupID)
	if err != nil {
		return nil, err
	}
	if u != (store.GroupUpdate{}) {
		s.publishGroup(ctx, view, "updated", nil)
	}
	return view, nil
}

// DissolveGroup ends a group (owner only): every member is removed and
// told; the history stays in the database.
func (s *Service) DissolveGroup(ctx context.Context, userID, groupID int64) error {
	var members []store.Member
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, m, err := s.membership(ctx, tx, groupID, userID, true)
		if err != nil {
			return err
		}
		if m.Role != RoleOwner {
			return errNeedOwner
		}
		if members, err = tx.MembersOf(ctx, g.ConversationID); err != nil {
			return err
		}
		return tx.DeleteGroup(ctx, g)
	})
	if err != nil {
		return asDomain(err, "dissolve group")
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	s.chat.PublishTo(ctx, ids, GroupFrame{Type: "group", Event: "dissolved", GroupID: groupID})
	return nil
}

// publishGroup sends a group frame to its members (and extra users).
func (s *Service) publishGroup(ctx context.Context, g *Group, event string, extra []int64) {
	members, err := s.store.MembersOf(ctx, g.ConversationID)
	if err != nil {
		return
	}
	ids := append([]int64{}, extra...)
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	v := *g
	v.MyRole = "" // the role differs per member; clients refetch it
	s.chat.PublishTo(ctx, ids, GroupFrame{Type: "group", Event: event, GroupID: g.ID, Group: &v})
}

// asDomain passes domain errors through and wraps the rest.
func asDomain(err error, what string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(err, what)
}
