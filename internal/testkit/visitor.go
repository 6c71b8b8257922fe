package testkit

import (
	"fmt"
	"net/http"
)

// Visitor is a widget visitor's client.
type Visitor struct {
	*Client
	VisitorID int64
}

// VisitorSession is the body of POST /api/v1/widget/session.
type VisitorSession struct {
	VisitorToken string `json:"visitor_token"`
	Visitor      struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		Email      string `json:"email"`
		ExternalID string `json:"external_id"`
		PageURL    string `json:"page_url"`
		Identified bool   `json:"identified"`
	} `json:"visitor"`
	Site struct {
		Name     string `json:"name"`
		Online   bool   `json:"online"`
		Open     bool   `json:"open"`
		Greeting string `json:"greeting"`
	} `json:"site"`
	Conversation *SupportConversation `json:"conversation"`
}

// SupportConversation is a support conversation as the API returns it.
type SupportConversation struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	QueueID       int64  `json:"queue_id"`
	QueuePosition *int   `json:"queue_position"`
	Assignee      *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"assignee"`
	Rating *int `json:"rating"`
}

// AssigneeID is the assignee's id, or 0.
func (c SupportConversation) AssigneeID() int64 {
	if c.Assignee == nil {
		return 0
	}
	return c.Assignee.ID
}

// NewVisitor starts a widget session for the site with this key, as a page
// of the server's own origin would, and returns the visitor's client.
func (s *Server) NewVisitor(siteKey string, body map[string]any) (*Visitor, VisitorSession) {
	s.tb.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["site_key"] = siteKey
	if _, ok := body["page_url"]; !ok {
		body["page_url"] = s.URL + "/demo"
	}
	var sess VisitorSession
	s.Client().Do("POST", "/api/v1/widget/session", body, http.StatusOK, &sess)
	c := s.Client()
	c.Token, c.Scheme = sess.VisitorToken, "Visitor"
	return &Visitor{Client: c, VisitorID: sess.Visitor.ID}, sess
}

// Open starts (or returns) the visitor's support conversation.
func (v *Visitor) Open(body map[string]any) SupportConversation {
	v.tb.Helper()
	var out struct {
		Conversation SupportConversation `json:"conversation"`
	}
	if body == nil {
		body = map[string]any{}
	}
	v.Do("POST", "/api/v1/widget/conversations", body, http.StatusCreated, &out)
	return out.Conversation
}

// History fetches the visitor's view of a conversation's messages.
func (v *Visitor) History(conversationID int64, query string) MessagePage {
	v.tb.Helper()
	var p MessagePage
	v.Do("GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages?%s", conversationID, query), nil, http.StatusOK, &p)
	return p
}
