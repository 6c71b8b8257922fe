package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/chat"
)

// search answers GET /api/v1/search: the caller's messages whose body or
// file name holds ?q=, newest first.
func (s *Server) search(c echo.Context) error {
	conv, err := queryInt64(c, "conversation_id", 1)
	if err != nil {
		return err
	}
	sender, err := queryInt64(c, "sender_id", 1)
	if err != nil {
		return err
	}
	n, err := queryInt64(c, "limit", 1)
	if err != nil {
		return err
	}
	in := chat.SearchInput{Query: c.QueryParam("q"), Cursor: c.QueryParam("cursor")}
	if conv != nil {
		in.ConversationID = *conv
	}
	if sender != nil {
		in.SenderID = *sender
	}
	if n != nil {
		// Any value over the maximum is refused by the service, naming limit.
		in.Limit = int(min(*n, chat.SearchMaxLimit+1))
	}
	page, err := s.deps.Chat.Search(c.Request().Context(), identity(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
