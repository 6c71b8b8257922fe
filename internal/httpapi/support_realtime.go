package httpapi

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/realtime"
	"github.com/parley-chat/parley/internal/store"
)

// requireUserOrVisitor accepts a user's Bearer token or a visitor's token.
func (s *Server) requireUserOrVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	user, visitor := s.requireUser(next), s.requireVisitor(next)
	return func(c echo.Context) error {
		scheme, _, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if strings.EqualFold(scheme, "Visitor") {
			return visitor(c)
		}
		return user(c)
	}
}

// visitorSocket upgrades a visitor's socket. Browsers send the Origin of
// the page that opens it: the widget's frame (Parley's own origin) or a
// host page, which must be one of the site's allowed origins.
func (s *Server) visitorSocket(c echo.Context, id auth.Identity) error {
	site, err := s.deps.Visitors.VisitorSite(c.Request().Context(), id.ID)
	if err != nil {
		return err
	}
	origin := c.Request().Header.Get("Origin")
	if origin != "" && !sameOrigin(origin, s.cfg.PublicURL) && !s.deps.Visitors.OriginAllowed(site, origin) {
		return errs.R(errs.Forbidden, "origin_not_allowed", "this website is not allowed to use this chat")
	}
	id.Browser = i18n.FromContext(c.Request().Context())
	_ = s.deps.Hub.Serve(c.Response(), c.Request(), chat.VisitorKey(id.ID), id)
	return nil
}

// handleVisitorFrame answers a visitor's frame: sends and typing in their
// own support conversations, and pings.
func (s *Server) handleVisitorFrame(ctx context.Context, sess *realtime.Session, id auth.Identity, f realtime.ClientFrame) {
	switch f.Type {
	case realtime.FramePing:
		sess.Send(pongFrame{Type: "pong"})
	case realtime.FrameSend:
		if store.MessageKind(f.Kind) == store.MessageNote {
			sess.Send(realtime.NewErrorFrame(f.ClientMsgID, "invalid_input", i18n.Error(s.frameLanguage(ctx, sess), "visitors cannot write notes")))
			return
		}
		msg, err := s.deps.Chat.SendAs(ctx, chat.Actor{Kind: store.SenderVisitor, ID: id.ID}, chat.SendInput{
			ConversationID: f.ConversationID, ClientMsgID: f.ClientMsgID, Kind: store.MessageKind(f.Kind), Body: f.Body,
			AttachmentID: f.AttachmentID, ReplyToSeq: f.ReplyToSeq,
		})
		if err != nil {
			s.sendFrameError(ctx, sess, f.ClientMsgID, err)
			return
		}
		sess.Send(chat.AckFrame{Type: "ack", ClientMsgID: f.ClientMsgID, Message: msg})
	case realtime.FrameTyping:
		if err := s.deps.Chat.Typing(ctx, chat.Actor{Kind: store.SenderVisitor, ID: id.ID}, sess.ID(), f.ConversationID, f.State); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	case realtime.FrameRead:
		if err := s.deps.Visitors.VisitorRead(ctx, id.ID, f.ConversationID, f.Seq); err != nil {
			s.sendFrameError(ctx, sess, "", err)
		}
	default:
		sess.Send(realtime.NewErrorFrame("", "unknown_type", i18n.Error(s.frameLanguage(ctx, sess), "visitors can send send, read, typing and ping frames")))
	}
}
