package social

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// GroupMember is one member as the member list shows them.
type GroupMember struct {
	User       MemberUser `json:"user"`
	Role       string     `json:"role"`
	MutedUntil *time.Time `json:"muted_until"`
	JoinedAt   time.Time  `json:"joined_at"`
	Presence   *Presence  `json:"presence,omitempty"`
}

// MemberUser is the public face of a member.
type MemberUser struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// JoinResult says whether a join took effect or waits for approval.
type JoinResult struct {
	Status    string `json:"status"` // joined | pending
	Group     *Group `json:"group,omitempty"`
	RequestID int64  `json:"request_id,omitempty"`
}

// addMemberTx adds userID to the locked group g, within its cap, and posts
// the system message.
func (s *Service) addMemberTx(ctx context.Context, tx *store.Store, g *store.Group, userID int64, how chat.Event) (*store.Message, error) {
	if _, err := tx.Member(ctx, g.ConversationID, userID); err == nil {
		return nil, errs.R(errs.Conflict, "already_member", "you are already in this group")
	}
	n, err := tx.CountMembers(ctx, g.ConversationID)
	if err != nil {
		return nil, err
	}
	if n >= int64(g.MemberCap) {
		return nil, errs.Rf(errs.Conflict, "group_full", "this group is full (%d members)", g.MemberCap)
	}
	conv, err := tx.ConversationByID(ctx, g.ConversationID)
	if err != nil {
		return nil, err
	}
	// A newcomer starts with the history marked read: the unread count is
	// for what arrives after joining.
	err = tx.AddMember(ctx, &store.Member{ConversationID: g.ConversationID, UserID: userID, Role: RoleMember, ReadSeq: conv.LastSeq, JoinedAt: s.now()})
	if err != nil {
		return nil, err
	}
	how.Type, how.Actor = chat.EventMemberJoined, s.who(ctx, tx, userID)
	return s.chat.PostSystemTx(ctx, tx, g.ConversationID, how)
}

// afterJoin tells the group and the newcomer.
func (s *Service) afterJoin(ctx context.Context, userID, groupID int64, sys *store.Message) (*JoinResult, error) {
	s.chat.Announce(ctx, nil, sys)
	g, err := s.GetGroup(ctx, userID, groupID)
	if err != nil {
		return nil, err
	}
	s.publishGroup(ctx, g, "joined", nil)
	return &JoinResult{Status: "joined", Group: g}, nil
}

// JoinByNumber joins an open group at once, asks to join one under
// approval, and refuses invite-only groups.
func (s *Service) JoinByNumber(ctx context.Context, userID, number int64, message string) (*JoinResult, error) {
	if number <= 0 {
		return nil, errs.Field("number", "required")
	}
	if err := s.joinAllowed(ctx, userID); err != nil {
		return nil, err
	}
	g, err := s.store.GroupByNumber(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoGroup
	}
	if err != nil {
		return nil, errs.Wrap(err, "find group")
	}
	switch g.JoinPolicy {
	case PolicyInvite:
		return nil, errs.R(errs.Forbidden, "invite_only", "this group can only be joined with an invite link")
	case PolicyApproval:
		return s.requestToJoin(ctx, userID, g, message)
	}
	var sys *store.Message
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		locked, err := tx.GroupByIDForUpdate(ctx, g.ID)
		if err != nil {
			return err
		}
		sys, err = s.addMemberTx(ctx, tx, locked, userID, chat.Event{})
		return err
	})
	if err != nil {
		return nil, asDomain(err, "join group")
	}
	return s.afterJoin(ctx, userID, g.ID, sys)
}

// Leave removes the caller from a group. The owner must hand the group
// over (or dissolve it) first.
func (s *Service) Leave(ctx context.Context, userID, groupID int64) error {
	var sys *store.Message
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, m, err := s.membership(ctx, tx, groupID, userID, true)
		if err != nil {
			return err
		}
		if m.Role == RoleOwner {
			return errs.R(errs.Rule, "owner_must_transfer", "transfer ownership or dissolve the group before leaving it")
		}
		if _, err := tx.RemoveMember(ctx, g.ConversationID, userID); err != nil {
			return err
		}
		sys, err = s.chat.PostSystemTx(ctx, tx, g.ConversationID, chat.Event{Type: chat.EventMemberLeft, Actor: s.who(ctx, tx, userID)})
		return err
	})
	if err != nil {
		return asDomain(err, "leave group")
	}
	s.chat.Announce(ctx, nil, sys)
	s.chat.PublishTo(ctx, []int64{userID}, GroupFrame{Type: "group", Event: "removed", GroupID: groupID})
	return nil
}

// Members returns a page of a group's members with their presence.
func (s *Service) Members(ctx context.Context, userID, groupID, afterUserID int64, limit int) ([]GroupMember, int64, error) {
	g, _, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return nil, 0, err
	}
	ms, err := s.store.MembersPage(ctx, g.ConversationID, afterUserID, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list members")
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list members")
	}
	presence := s.VisiblePresence(ctx, userID, ids)
	now := s.now()
	out := make([]GroupMember, 0, len(ms))
	for _, m := range ms {
		u := users[m.UserID]
		if u == nil {
			continue
		}
		gm := GroupMember{
			User: MemberUser{ID: u.ID, Username: u.Username, Nickname: u.Nickname, AvatarURL: u.AvatarURL},
			Role: m.Role, JoinedAt: m.JoinedAt,
		}
		if m.MutedUntil != nil && m.MutedUntil.After(now) {
			gm.MutedUntil = m.MutedUntil
		}
		if p, ok := presence[m.UserID]; ok {
			p := p
			gm.Presence = &p
		}
		out = append(out, gm)
	}
	var next int64
	if len(ms) == limit {
		next = ms[len(ms)-1].UserID
	}
	return out, next, nil
}

// MemberPatch changes a member: role (owner only) or mute (owner, or an
// admin for plain members). A nil MutedUntil inside a set pointer unmutes.
type MemberPatch struct {
	Role          *string
	MutedUntilSet bool
	MutedUntil    *time.Time
}

// UpdateMember applies a role change or a mute, with a system message.
func (s *Service) UpdateMember(ctx context.Context, actorID, groupID, targetID int64, p MemberPatch) (*GroupMember, error) {
	if p.Role == nil && !p.MutedUntilSet {
		return nil, errs.Field("role", "give role or muted_until")
	}
	var sys []*store.Message
	var conversationID int64
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, actor, err := s.membership(ctx, tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		conversationID = g.ConversationID
		target, err := tx.Member(ctx, g.ConversationID, targetID)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "member_not_found", "that user is not in this group")
		}
		if err != nil {
			return err
		}
		who, whom := s.who(ctx, tx, actorID), s.who(ctx, tx, targetID)
		var u store.MemberUpdate
		if p.Role != nil {
			if actor.Role != RoleOwner {
				return errNeedOwner
			}
			if *p.Role != RoleAdmin && *p.Role != RoleMember {
				return errs.Field("role", "admin or member (use transfer to change the owner)")
			}
			if target.Role == RoleOwner {
				return errs.R(errs.Rule, "cannot_change_owner", "use transfer to change the owner")
			}
			if *p.Role != target.Role {
				u.Role = p.Role
				ev := chat.Event{Type: chat.EventAdminAdded, Actor: who, Target: whom}
				if *p.Role == RoleMember {
					ev.Type = chat.EventAdminRemoved
				}
				m, err := s.chat.PostSystemTx(ctx, tx, g.ConversationID, ev)
				if err != nil {
					return err
				}
				sys = append(sys, m)
			}
		}
		if p.MutedUntilSet {
			if !outranks(actor.Role, target.Role) {
				return errs.R(errs.Forbidden, "forbidden", "you may mute only members below your role")
			}
			ev := chat.Event{Type: chat.EventMemberUnmuted, Actor: who, Target: whom}
			if p.MutedUntil == nil || !p.MutedUntil.After(s.now()) {
				u.MutedUntil = store.SetNull[time.Time]()
			} else {
				until := p.MutedUntil.UTC()
				u.MutedUntil = store.SetTo(until)
				ev.Type, ev.Until = chat.EventMemberMuted, &until
			}
			m, err := s.chat.PostSystemTx(ctx, tx, g.ConversationID, ev)
			if err != nil {
				return err
			}
			sys = append(sys, m)
		}
		if u == (store.MemberUpdate{}) {
			return nil
		}
		return tx.UpdateMember(ctx, g.ConversationID, targetID, u)
	})
	if err != nil {
		return nil, asDomain(err, "update member")
	}
	s.chat.Announce(ctx, nil, sys...)
	m, err := s.store.Member(ctx, conversationID, targetID)
	if err != nil {
		return nil, errs.Wrap(err, "load member")
	}
	members, _, err := s.Members(ctx, actorID, groupID, m.UserID-1, 1)
	if err != nil || len(members) == 0 {
		return nil, errs.Wrap(fmt.Errorf("member vanished: %v", err), "load member")
	}
	return &members[0], nil
}

// outranks reports whether role a may moderate role b: the owner anyone
// else, an admin plain members only.
func outranks(a, b string) bool {
	return a == RoleOwner && b != RoleOwner || a == RoleAdmin && b == RoleMember
}

// Kick removes a member (owner: anyone else; admin: plain members).
func (s *Service) Kick(ctx context.Context, actorID, groupID, targetID int64) error {
	var sys *store.Message
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, actor, err := s.membership(ctx, tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		target, err := tx.Member(ctx, g.ConversationID, targetID)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "member_not_found", "that user is not in this group")
		}
		if err != nil {
			return err
		}
		if !outranks(actor.Role, target.Role) {
			if actor.Role == RoleMember {
				return errNeedAdmin
			}
			return errs.R(errs.Forbidden, "forbidden", "you may remove only members below your role")
		}
		if _, err := tx.RemoveMember(ctx, g.ConversationID, targetID); err != nil {
			return err
		}
		sys, err = s.chat.PostSystemTx(ctx, tx, g.ConversationID,
			chat.Event{Type: chat.EventMemberRemoved, Actor: s.who(ctx, tx, actorID), Target: s.who(ctx, tx, targetID)})
		return err
	})
	if err != nil {
		return asDomain(err, "kick member")
	}
	s.chat.Announce(ctx, []int64{targetID}, sys)
	s.chat.PublishTo(ctx, []int64{targetID}, GroupFrame{Type: "group", Event: "removed", GroupID: groupID})
	return nil
}

// Transfer hands the group to another member; the old owner becomes an admin.
func (s *Service) Transfer(ctx context.Context, actorID, groupID, toUserID int64) (*Group, error) {
	var sys *store.Message
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, actor, err := s.membership(ctx, tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		if actor.Role != RoleOwner {
			return errNeedOwner
		}
		if toUserID == actorID {
			return errs.Field("user_id", "you already own this group")
		}
		if _, err := tx.Member(ctx, g.ConversationID, toUserID); errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "member_not_found", "that user is not in this group")
		} else if err != nil {
			return err
		}
		if err := tx.UpdateMember(ctx, g.ConversationID, toUserID, store.MemberUpdate{Role: new(RoleOwner), MutedUntil: store.SetNull[time.Time]()}); err != nil {
			return err
		}
		if err := tx.UpdateMember(ctx, g.ConversationID, actorID, store.MemberUpdate{Role: new(RoleAdmin)}); err != nil {
			return err
		}
		if err := tx.UpdateGroup(ctx, g.ID, store.GroupUpdate{OwnerID: &toUserID}); err != nil {
			return err
		}
		sys, err = s.chat.PostSystemTx(ctx, tx, g.ConversationID,
			chat.Event{Type: chat.EventOwnerChanged, Actor: s.who(ctx, tx, actorID), Target: s.who(ctx, tx, toUserID)})
		return err
	})
	if err != nil {
		return nil, asDomain(err, "transfer group")
	}
	s.chat.Announce(ctx, nil, sys)
	g, err := s.GetGroup(ctx, actorID, groupID)
	if err == nil {
		s.publishGroup(ctx, g, "updated", nil)
	}
	return g, err
}

// joinAllowed applies the per-user limit on joining groups (by number or
// by invite), so nobody sweeps group numbers or floods groups.
func (s *Service) joinAllowed(ctx context.Context, userID int64) error {
	return s.limiter.Hit(ctx, fmt.Sprintf("group_join:user:%d", userID), s.cfg.GroupJoinsPerHour, time.Hour, i18n.N("joining groups"))
}
