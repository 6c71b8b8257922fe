package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/realtime"
	"github.com/parley-chat/parley/internal/store"
)

func (s *Server) ticket(c echo.Context) error {
	t, err := s.deps.Auth.IssueTicket(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket": t, "expires_in": int(auth.TicketTTL.Seconds())})
}

// websocket redeems the ticket and upgrades. The ticket names only who it
// was issued to; the account or visitor is read afresh here. After the
// upgrade the connection belongs to the hub and the handler returns nil.
func (s *Server) websocket(c echo.Context) error {
	id, err := s.deps.Auth.RedeemTicket(c.Request().Context(), c.QueryParam("ticket"))
	if err != nil {
		return err
	}
	if id.Kind == store.SenderVisitor {
		if id, err = s.deps.Visitors.VisitorIdentity(c.Request().Context(), id.ID); err != nil {
			return err
		}
		return s.visitorSocket(c, id) // checked against the site's origins
	}
	if !s.originAllowed(c.Request()) {
		return errs.R(errs.Forbidden, "origin_not_allowed", "this origin may not open a Parley socket")
	}
	if id.Kind != store.SenderUser {
		return errs.R(errs.Forbidden, "forbidden", "unsupported identity")
	}
	// RedeemTicket read the account as it is now: its role, its nickname.
	id.Browser = i18n.FromContext(c.Request().Context())
	_ = s.deps.Hub.Serve(c.Response(), c.Request(), chat.UserKey(id.ID), id)
	return nil
}

// originAllowed accepts requests without Origin (non-browser clients) and
// browsers on the console's own origin or a configured one.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	norm := strings.ToLower(o.Scheme + "://" + o.Host)
	allowed := append([]string{s.cfg.PublicURL}, s.cfg.ConsoleOrigins...)
	for _, a := range allowed {
		if u, err := url.Parse(a); err == nil && strings.ToLower(u.Scheme+"://"+u.Host) == norm {
			return true
		}
	}
	return false
}

type helloFrame struct {
	Type       string        `json:"type"`
	SessionID  string        `json:"session_id"`
	Identity   auth.Identity `json:"identity"`
	HeartbeatS int           `json:"heartbeat_s"`
}

type pongFrame struct {
	Type string `json:"type"`
}

// wireRealtime connects the hub's session events to the services.
func (s *Server) wireRealtime() {
	hub := s.deps.Hub
	// The upgrade is reached only after the ticket and origin checks of
	// the handler above, so the upgrader itself need not check again.
	hub.SetCheckOrigin(func(*http.Request) bool { return true })
	hub.OnConnect(func(sess *realtime.Session) {
		id, _ := sess.Identity().(auth.Identity)
		ctx, cancel := context.WithTimeout(sess.Context(), 10*time.Second)
		s.frameLanguage(ctx, sess)
		cancel()
		sess.Send(helloFrame{Type: "hello", SessionID: sess.ID(), Identity: id, HeartbeatS: int(realtime.HeartbeatPeriod.Seconds())})
		s.presenceChanged(id, s.deps.Social.Connected)
		s.presenceChanged(id, s.deps.Routing.AgentConnectivity)
	})
	hub.OnDisconnect(func(sess *realtime.Session) {
		id, _ := sess.Identity().(auth.Identity)
		if id.Kind == store.SenderUser {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			s.deps.Inbox.SessionClosed(ctx, sess.ID())
			cancel()
		}
		s.presenceChanged(id, s.deps.Social.Disconnected)
		s.presenceChanged(id, s.deps.Routing.AgentConnectivity)
	})
	hub.OnMessage(s.handleFrame)
}

// presenceChanged tells social that a user's session opened or closed.
func (s *Server) presenceChanged(id auth.Identity, f func(ctx context.Context, userID int64)) {
	if id.Kind != store.SenderUser || id.ID == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f(ctx, id.ID)
}

// handleFrame answers one client frame. Bad frames get an error frame and
// the socket stays open.
func (s *Server) handleFrame(sess *realtime.Session, data []byte) {
	id, _ := sess.Identity().(auth.Identity)
	// The frame's work ends with the socket and the server.
	ctx, cancel := context.WithTimeout(sess.Context(), 15*time.Second)
	defer cancel()
	f, err := realtime.DecodeClientFrame(data)
	if err != nil {
		fe := err.(*realtime.FrameError)
		if sess.Admit(realtime.FrameOther, fe.ClientMsgID) {
			sess.Send(fe.Localized(s.frameLanguage(ctx, sess)))
		}
		return
	}
	if !sess.Admit(f.Type, f.ClientMsgID) {
		return
	}
	if id.Kind == store.SenderVisitor {
		s.handleVisitorFrame(ctx, sess, id, f)
		return
	}
	switch f.Type {
	case realtime.FramePing:
		sess.Send(pongFrame{Type: "pong"})
	case realtime.FrameSend:
		if err := s.deps.Auth.RequireVerified(ctx, id); err != nil {
			s.sendFrameError(ctx, sess, f.ClientMsgID, err)
			return
		}
		msg, err := s.deps.Chat.Send(ctx, id.ID, chat.SendInput{
			ConversationID: f.ConversationID, ClientMsgID: f.ClientMsgID, Kind: store.MessageKind(f.Kind), Body: f.Body,
			AttachmentID: f.AttachmentID, ReplyToSeq: f.ReplyToSeq,
		})
		if err != nil {
			s.sendFrameError(ctx, sess, f.ClientMsgID, err)
			return
		}
		sess.Send(chat.AckFrame{Type: "ack", ClientMsgID: f.ClientMsgID, Message: msg})
	case realtime.FrameRead:
		if err := s.deps.Chat.MarkRead(ctx, id.ID, f.ConversationID, f.Seq); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	case realtime.FrameTyping:
		if err := s.deps.Chat.Typing(ctx, chat.Actor{Kind: store.SenderUser, ID: id.ID}, sess.ID(), f.ConversationID, f.State); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	case realtime.FrameViewing:
		if err := s.deps.Inbox.View(ctx, id, sess.ID(), f.ConversationID, f.State); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	case realtime.FramePresence:
		if err := s.deps.Social.SetPresence(ctx, id.ID, f.Status); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	}
}

// sendFrameError answers a frame with an error frame, in the language of
// the session's user (their setting, a visitor's widget locale, else their
// browser's).
func (s *Server) sendFrameError(ctx context.Context, sess *realtime.Session, clientMsgID string, err error) {
	lang := s.frameLanguage(ctx, sess)
	code, msg, until := "internal", i18n.Error(lang, "something went wrong on our side; retry with the same client_msg_id"), ""
	var details map[string]string
	if e, ok := errs.As(err); ok && e.Code == errs.Internal && store.IsUnavailable(e.Err) {
		code, msg = "unavailable", i18n.Error(lang, "the service is briefly unavailable; retry with the same client_msg_id")
	} else if e, ok := errs.As(err); ok && e.Code != errs.Internal {
		code = e.PublicCode()
		msg, details = e.Localized(lang)
		if e.Until != nil {
			until = e.Until.UTC().Format(time.RFC3339)
		}
		if e.Code == errs.Unavailable {
			code = "unavailable"
		}
	} else {
		s.deps.Log.ErrorContext(ctx, "frame failed", "session_id", sess.ID(), "err", err)
	}
	f := realtime.NewErrorFrame(clientMsgID, code, msg)
	f.Until, f.Details = until, details
	sess.Send(f)
}

// frameLanguage is the language of the session's error frames, read afresh
// (the user's setting or a visitor's widget locale, else the browser's
// when the socket opened) and kept on the session for the frames the hub
// answers itself.
func (s *Server) frameLanguage(ctx context.Context, sess *realtime.Session) string {
	id, _ := sess.Identity().(auth.Identity)
	lang := s.deps.Auth.Language(ctx, id, i18n.Pick(i18n.EN, id.Browser))
	sess.SetLanguage(lang)
	return lang
}
