package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

type openDirectRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) openDirect(c echo.Context) error {
	var req openDirectRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.UserID <= 0 {
		return errs.Field("user_id", "required")
	}
	conv, created, err := s.deps.Social.OpenDirect(c.Request().Context(), identity(c).ID, req.UserID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, conv)
}

// errNoTextFilter answers ?q= on the lists that do not filter by text,
// instead of ignoring it: messages are searched at /api/v1/search.
var errNoTextFilter = errs.Field("q", "this list does not filter by text; search messages with GET /api/v1/search?q=")

func (s *Server) listConversations(c echo.Context) error {
	if c.QueryParams().Has("q") {
		return errNoTextFilter
	}
	n, err := limit(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Chat.List(c.Request().Context(), identity(c).ID, c.QueryParam("cursor"), n)
	if err != nil {
		return err
	}
	var cursor any
	if next != "" {
		cursor = next
	}
	return c.JSON(http.StatusOK, list[chat.Conversation]{Items: items, NextCursor: cursor})
}

func (s *Server) getConversation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	conv, err := s.deps.Chat.Get(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) listMessages(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if c.QueryParams().Has("q") {
		return errNoTextFilter
	}
	after, before, n, err := historyParams(c)
	if err != nil {
		return err
	}
	page, err := s.deps.Chat.History(c.Request().Context(), identity(c).ID, id, after, before, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

type sendRequest struct {
	ClientMsgID  string `json:"client_msg_id"`
	Kind         string `json:"kind"`
	Body         string `json:"body"`
	AttachmentID *int64 `json:"attachment_id"`
	ReplyToSeq   *int64 `json:"reply_to_seq"`
}

func (s *Server) sendMessage(c echo.Context) error {
	return s.send(c, chat.Actor{Kind: store.SenderUser, ID: identity(c).ID})
}

// send binds a send request for the conversation in the path and stores
// it as actor's message (the REST twin of the send frame).
func (s *Server) send(c echo.Context, actor chat.Actor) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req sendRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if actor.Kind == store.SenderVisitor && store.MessageKind(req.Kind) == store.MessageNote {
		return errs.Field("kind", "visitors cannot write notes")
	}
	msg, err := s.deps.Chat.SendAs(c.Request().Context(), actor, chat.SendInput{
		ConversationID: id, ClientMsgID: req.ClientMsgID, Kind: store.MessageKind(req.Kind), Body: req.Body,
		AttachmentID: req.AttachmentID, ReplyToSeq: req.ReplyToSeq,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, msg)
}

type readRequest struct {
	Seq int64 `json:"seq"`
}

func (s *Server) markRead(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req readRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Chat.MarkRead(c.Request().Context(), identity(c).ID, id, req.Seq); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) recall(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	msg, err := s.deps.Chat.Recall(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, msg)
}
