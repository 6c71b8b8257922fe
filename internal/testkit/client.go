package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client calls the REST API, as an anonymous caller or with a token.
type Client struct {
	Base  string
	Token string
	// Scheme of the Authorization header: Bearer (default) or Visitor.
	Scheme string
	// UserID is set for clients made by Login, Setup and NewUser.
	UserID int64
	// RefreshToken is the refresh token of the session, when there is one.
	RefreshToken string
	Username     string

	tb   testing.TB
	http *http.Client
}

// Client returns an anonymous client.
func (s *Server) Client() *Client {
	return &Client{Base: s.URL, tb: s.tb, http: &http.Client{Timeout: 30 * time.Second}}
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it can't.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %q: %v", r.Body, err)
	}
}

// ErrorCode returns error.code of an error body ("" if none).
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Raw sends body as is (a string or []byte) or JSON-encoded (anything else).
// The answer must be one the OpenAPI document describes (see CheckResponse).
func (c *Client) Raw(method, path string, body any, header ...string) *Response {
	c.tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.tb.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		scheme := c.Scheme
		if scheme == "" {
			scheme = "Bearer"
		}
		req.Header.Set("Authorization", scheme+" "+c.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	CheckResponse(c.tb, req, resp.StatusCode, resp.Header, b)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Do sends a request, requires the status want and decodes into out (if
// not nil).
func (c *Client) Do(method, path string, body any, want int, out any) *Response {
	c.tb.Helper()
	r := c.Raw(method, path, body)
	if r.Status != want {
		c.tb.Fatalf("%s, want %d", describe(method, path, r.Status, r.Body), want)
	}
	if out != nil {
		r.JSON(c.tb, out)
	}
	return r
}

// Session is the body of login, setup and refresh.
type Session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	User         User   `json:"user"`
}

// User is an account as the API returns it.
type User struct {
	ID            int64  `json:"id"`
	Username      string `json:"username"`
	Email         string `json:"email"`
	Nickname      string `json:"nickname"`
	Role          string `json:"role"`
	EmailVerified bool   `json:"email_verified"`
}

func (s *Server) clientFor(sess Session) *Client {
	c := s.Client()
	c.Token, c.RefreshToken, c.UserID, c.Username = sess.AccessToken, sess.RefreshToken, sess.User.ID, sess.User.Username
	return c
}

// Setup creates the first admin ("admin", password "admin-password") and
// returns a client signed in as them.
func (s *Server) Setup() *Client {
	s.tb.Helper()
	var sess Session
	s.Client().Do("POST", "/api/v1/setup", map[string]string{
		"username": "admin", "email": "admin@example.com", "password": "admin-password", "nickname": "Admin",
	}, http.StatusCreated, &sess)
	return s.clientFor(sess)
}

// Login signs in and returns a client with the session.
func (s *Server) Login(login, password string) *Client {
	s.tb.Helper()
	var sess Session
	s.Client().Do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": password}, http.StatusOK, &sess)
	return s.clientFor(sess)
}

// NewUser has admin create a verified user (password "password-"+username)
// and returns a client signed in as them.
func (s *Server) NewUser(admin *Client, username string) *Client {
	s.tb.Helper()
	admin.Do("POST", "/api/v1/admin/users", map[string]any{
		"username": username, "email": username + "@example.com", "password": "password-" + username,
		"nickname": strings.ToUpper(username[:1]) + username[1:], "role": "user", "verified": true,
	}, http.StatusCreated, nil)
	return s.Login(username, "password-"+username)
}

// Message is a message as the API returns it.
type Message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	ClientMsgID    string `json:"client_msg_id"`
	Sender         struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"sender"`
	Kind       string     `json:"kind"`
	Body       string     `json:"body"`
	ReplyToSeq *int64     `json:"reply_to_seq"`
	CreatedAt  time.Time  `json:"created_at"`
	RecalledAt *time.Time `json:"recalled_at"`
}

// Conversation is a conversation as the API returns it.
type Conversation struct {
	ID          int64    `json:"id"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	LastSeq     int64    `json:"last_seq"`
	ReadSeq     int64    `json:"read_seq"`
	Unread      int64    `json:"unread"`
	LastMessage *Message `json:"last_message"`
}

// OpenDirect opens (or gets) the direct conversation with user id.
func (c *Client) OpenDirect(userID int64) Conversation {
	c.tb.Helper()
	var conv Conversation
	r := c.Raw("POST", "/api/v1/conversations/direct", map[string]int64{"user_id": userID})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		c.tb.Fatalf("%s", describe("POST", "/api/v1/conversations/direct", r.Status, r.Body))
	}
	r.JSON(c.tb, &conv)
	return conv
}

// SendText sends a text message over REST.
func (c *Client) SendText(conversationID int64, clientMsgID, body string) Message {
	c.tb.Helper()
	var m Message
	c.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conversationID),
		map[string]string{"client_msg_id": clientMsgID, "kind": "text", "body": body}, http.StatusCreated, &m)
	return m
}

// MessagePage is a page of history.
type MessagePage struct {
	Items      []Message `json:"items"`
	NextCursor *int64    `json:"next_cursor"`
}

// History fetches messages with a query such as "after_seq=0&limit=10".
func (c *Client) History(conversationID int64, query string) MessagePage {
	c.tb.Helper()
	var p MessagePage
	c.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages?%s", conversationID, query), nil, http.StatusOK, &p)
	return p
}

// MakeFriends has a send b a friend request and b accept it, through the API.
func (s *Server) MakeFriends(a, b *Client) {
	s.tb.Helper()
	var req struct {
		ID int64 `json:"id"`
	}
	a.Do("POST", "/api/v1/friend-requests", map[string]any{"user_id": b.UserID}, http.StatusCreated, &req)
	b.Do("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil, http.StatusOK, nil)
}
