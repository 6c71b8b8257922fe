package social

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// JoinRequest is a pending request to join a group.
type JoinRequest struct {
	ID        int64      `json:"id"`
	User      MemberUser `json:"user"`
	Message   string     `json:"message"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
}

// Invite is an invite link to a group.
type Invite struct {
	Token     string     `json:"token"`
	URL       string     `json:"url"`
	ExpiresAt *time.Time `json:"expires_at"`
	MaxUses   int        `json:"max_uses"`
	Uses      int        `json:"uses"`
	CreatedAt time.Time  `json:"created_at"`
}

// InvitePreview is what anyone holding a link sees before accepting it.
type InvitePreview struct {
	Group struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Number      int64  `json:"number"`
		AvatarURL   string `json:"avatar_url"`
		MemberCount int64  `json:"member_count"`
	} `json:"group"`
	ExpiresAt *time.Time `json:"expires_at"`
	MaxUses   int        `json:"max_uses"`
	Uses      int        `json:"uses"`
}

var errInviteGone = errs.R(errs.Gone, "invite_gone", "this invite link has expired, been used up or been revoked")

func (s *Service) requestToJoin(ctx context.Context, userID int64, g *store.Group, message string) (*JoinResult, error) {
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > 200 {
		return nil, errs.Field("message", "at most 200 characters")
	}
	if _, err := s.store.Member(ctx, g.ConversationID, userID); err == nil {
		return nil, errs.R(errs.Conflict, "already_member", "you are already in this group")
	}
	r := &store.GroupJoinRequest{GroupID: g.ID, UserID: userID, Message: message, Status: "pending", CreatedAt: s.now()}
	if err := s.store.CreateJoinRequest(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.R(errs.Conflict, "request_exists", "you already asked to join this group")
		}
		return nil, errs.Wrap(err, "request to join")
	}
	if admins, err := s.admins(ctx, g.ConversationID); err == nil {
		s.chat.PublishTo(ctx, admins, GroupFrame{Type: "group", Event: "join_requested", GroupID: g.ID})
	}
	return &JoinResult{Status: "pending", RequestID: r.ID}, nil
}

func (s *Service) admins(ctx context.Context, conversationID int64) ([]int64, error) {
	ms, err := s.store.MembersOf(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, m := range ms {
		if m.Role != RoleMember {
			ids = append(ids, m.UserID)
		}
	}
	return ids, nil
}

// JoinRequests lists a group's pending requests (owner and admins).
func (s *Service) JoinRequests(ctx context.Context, userID, groupID int64) ([]JoinRequest, error) {
	g, m, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return nil, err
	}
	if m.Role == RoleMember {
		return nil, errNeedAdmin
	}
	rs, err := s.store.PendingJoinRequests(ctx, g.ID, 200)
	if err != nil {
		return nil, errs.Wrap(err, "list join requests")
	}
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.UserID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "list join requests")
	}
	out := make([]JoinRequest, 0, len(rs))
	for _, r := range rs {
		if u := users[r.UserID]; u != nil {
			out = append(out, JoinRequest{ID: r.ID, User: MemberUser{ID: u.ID, Username: u.Username, Nickname: u.Nickname, AvatarURL: u.AvatarURL},
				Message: r.Message, Status: r.Status, CreatedAt: r.CreatedAt})
		}
	}
	return out, nil
}

// DecideJoinRequest accepts (adding the member within the cap) or rejects
// a pending request (owner and admins).
func (s *Service) DecideJoinRequest(ctx context.Context, userID, groupID, requestID int64, accept bool) error {
	var (
		sys       *store.Message
		requester int64
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		g, m, err := s.membership(ctx, tx, groupID, userID, true)
		if err != nil {
			return err
		}
		if m.Role == RoleMember {
			return errNeedAdmin
		}
		r, err := tx.JoinRequestByID(ctx, g.ID, requestID)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "request_not_found", "no such join request")
		}
		if err != nil {
			return err
		}
		requester = r.UserID
		status := "rejected"
		if accept {
			status = "accepted"
		}
		ok, err := tx.DecideJoinRequest(ctx, r.ID, status, userID, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return errs.R(errs.Conflict, "request_not_pending", "this request was already decided")
		}
		if accept {
			sys, err = s.addMemberTx(ctx, tx, g, r.UserID, chat.Event{Via: chat.ViaApproval, By: s.who(ctx, tx, userID)})
		}
		return err
	})
	if err != nil {
		return asDomain(err, "decide join request")
	}
	if accept {
		_, err = s.afterJoin(ctx, requester, groupID, sys)
		return err
	}
	s.chat.PublishTo(ctx, []int64{requester}, GroupFrame{Type: "group", Event: "join_rejected", GroupID: groupID})
	return nil
}

// CreateInvite makes an invite link (owner and admins). expiresIn 0 means
// it never expires; maxUses 0 means unlimited.
func (s *Service) CreateInvite(ctx context.Context, userID, groupID int64, expiresIn time.Duration, maxUses int) (*Invite, error) {
	if expiresIn < 0 || expiresIn > 365*24*time.Hour {
		return nil, errs.Field("expires_in", "0 (never) to one year, in seconds")
	}
	if maxUses < 0 || maxUses > 100000 {
		return nil, errs.Field("max_uses", "0 (unlimited) to 100000")
	}
	g, m, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return nil, err
	}
	if m.Role == RoleMember {
		return nil, errNeedAdmin
	}
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	now := s.now()
	inv := &store.GroupInvite{GroupID: g.ID, Token: base64.RawURLEncoding.EncodeToString(b), CreatedBy: userID, MaxUses: maxUses, CreatedAt: now}
	if expiresIn > 0 {
		t := now.Add(expiresIn)
		inv.ExpiresAt = &t
	}
	if err := s.store.CreateInvite(ctx, inv); err != nil {
		return nil, errs.Wrap(err, "create invite")
	}
	return s.inviteView(inv), nil
}

func (s *Service) inviteView(inv *store.GroupInvite) *Invite {
	return &Invite{Token: inv.Token, URL: s.cfg.PublicURL + "/console/#/invite/" + inv.Token,
		ExpiresAt: inv.ExpiresAt, MaxUses: inv.MaxUses, Uses: inv.Uses, CreatedAt: inv.CreatedAt}
}

// Invites lists a group's live invites (owner and admins).
func (s *Service) Invites(ctx context.Context, userID, groupID int64) ([]Invite, error) {
	g, m, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return nil, err
	}
	if m.Role == RoleMember {
		return nil, errNeedAdmin
	}
	invs, err := s.store.InvitesForGroup(ctx, g.ID)
	if err != nil {
		return nil, errs.Wrap(err, "list invites")
	}
	out := make([]Invite, 0, len(invs))
	for i := range invs {
		out = append(out, *s.inviteView(&invs[i]))
	}
	return out, nil
}

// RevokeInvite kills an invite link (owner and admins).
func (s *Service) RevokeInvite(ctx context.Context, userID, groupID int64, token string) error {
	g, m, err := s.membership(ctx, s.store, groupID, userID, false)
	if err != nil {
		return err
	}
	if m.Role == RoleMember {
		return errNeedAdmin
	}
	ok, err := s.store.RevokeInvite(ctx, g.ID, token, s.now())
	if err != nil {
		return errs.Wrap(err, "revoke invite")
	}
	if !ok {
		return errs.R(errs.NotFound, "invite_not_found", "no such invite")
	}
	return nil
}

// liveInvite returns an invite that can still be used.
func (s *Service) liveInvite(ctx context.Context, st *store.Store, token string) (*store.GroupInvite, error) {
	inv, err := st.InviteByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "invite_not_found", "no such invite")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load invite")
	}
	if inv.RevokedAt != nil || (inv.ExpiresAt != nil && !inv.ExpiresAt.After(s.now())) || (inv.MaxUses > 0 && inv.Uses >= inv.MaxUses) {
		return nil, errInviteGone
	}
	return inv, nil
}

// PreviewInvite shows the group behind a live invite.
func (s *Service) PreviewInvite(ctx context.Context, token string) (*InvitePreview, error) {
	inv, err := s.liveInvite(ctx, s.store, token)
	if err != nil {
		return nil, err
	}
	g, err := s.store.GroupByID(ctx, inv.GroupID)
	if err != nil {
		return nil, errs.R(errs.NotFound, "invite_not_found", "no such invite")
	}
	n, _ := s.store.CountMembers(ctx, g.ConversationID)
	p := &InvitePreview{ExpiresAt: inv.ExpiresAt, MaxUses: inv.MaxUses, Uses: inv.Uses}
	p.Group.ID, p.Group.Name, p.Group.Number, p.Group.AvatarURL, p.Group.MemberCount = g.ID, g.Name, g.Number, g.AvatarURL, n
	return p, nil
}

// AcceptInvite joins the group behind a live invite, whatever its policy.
func (s *Service) AcceptInvite(ctx context.Context, userID int64, token string) (*JoinResult, error) {
	if err := s.joinAllowed(ctx, userID); err != nil {
		return nil, err
	}
	var (
		sys     *store.Message
		groupID int64
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		inv, err := s.liveInvite(ctx, tx, token)
		if err != nil {
			return err
		}
		g, err := tx.GroupByIDForUpdate(ctx, inv.GroupID)
		if err != nil {
			return errs.R(errs.NotFound, "invite_not_found", "no such invite")
		}
		groupID = g.ID
		if _, err := tx.Member(ctx, g.ConversationID, userID); err == nil {
			return errs.R(errs.Conflict, "already_member", "you are already in this group")
		}
		used, err := tx.UseInvite(ctx, inv.ID, s.now())
		if err != nil {
			return err
		}
		if !used {
			return errInviteGone
		}
		sys, err = s.addMemberTx(ctx, tx, g, userID, chat.Event{Via: chat.ViaInviteLink})
		return err
	})
	if err != nil {
		return nil, asDomain(err, "accept invite")
	}
	return s.afterJoin(ctx, userID, groupID, sys)
}
