package chat

import (
	"context"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// Sender says who sent a message.
type Sender struct {
	Kind store.SenderKind `json:"kind"` // user | visitor | system
	ID   int64            `json:"id"`
	Name string           `json:"name"`
}

// Message is a message as clients see it.
type Message struct {
	ID             int64             `json:"id"`
	ConversationID int64             `json:"conversation_id"`
	Seq            int64             `json:"seq"`
	ClientMsgID    string            `json:"client_msg_id"`
	Sender         Sender            `json:"sender"`
	Kind           store.MessageKind `json:"kind"`
	Body           string            `json:"body"`
	Attachment     any               `json:"attachment,omitempty"`
	RedPacket      any               `json:"red_packet,omitempty"` // for kind red_packet
	Event          *Event            `json:"event,omitempty"`      // for kind system, when stored with one
	ReplyToSeq     *int64            `json:"reply_to_seq,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	RecalledAt     *time.Time        `json:"recalled_at,omitempty"`
	// Automated marks a text a support site sent on its own (an
	// automation rule's reply); its sender is the site.
	Automated bool `json:"automated,omitempty"`
}

// Peer is the other person of a conversation of two.
type Peer struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// Conversation is a conversation as one member sees it.
type Conversation struct {
	ID          int64                  `json:"id"`
	Kind        store.ConversationKind `json:"kind"`
	Title       string                 `json:"title"`
	LastSeq     int64                  `json:"last_seq"`
	ReadSeq     int64                  `json:"read_seq"`
	Unread      int64                  `json:"unread"`
	LastMessage *Message               `json:"last_message"`
	Peer        *Peer                  `json:"peer,omitempty"`
	CreatedAt   time.Time              `json:"created_at"`
	// Muted tells whether the member muted it; MutedUntil is when the
	// mute ends (nil for ever, or when not muted).
	Muted      bool       `json:"muted"`
	MutedUntil *time.Time `json:"muted_until"`
}

// Views turns stored messages into what clients see: sender names,
// attachments, red packets. It needs no chat service, so that the kinds
// built before it (whose webhooks show messages) use it too.
type Views struct {
	store   *store.Store
	media   Attachments
	packets RedPacketViews
}

// NewViews builds the message views; media describes attachments (nil:
// none are shown) and packets red packets (nil: none are shown).
func NewViews(st *store.Store, media Attachments, packets RedPacketViews) *Views {
	return &Views{store: st, media: media, packets: packets}
}

// In returns the views reading sender names through st: a kind's hook
// passes its transaction, so that a view built inside it needs no second
// connection (SQLite's pool could be taken by senders waiting for the
// write lock that very transaction holds).
func (s *Views) In(st *store.Store) *Views {
	c := *s
	c.store = st
	return &c
}

// Messages converts stored messages, resolving sender names.
func (s *Views) Messages(ctx context.Context, ms []store.Message) ([]Message, error) {
	var ids, visitorIDs, botIDs, siteIDs []int64
	for _, m := range ms {
		switch m.SenderKind {
		case store.SenderSystem:
			if m.Kind == store.MessageText {
				siteIDs = append(siteIDs, m.SenderID) // a site's automated reply
			}
		case store.SenderUser:
			ids = append(ids, m.SenderID)
		case store.SenderVisitor:
			visitorIDs = append(visitorIDs, m.SenderID)
		case store.SenderBot:
			botIDs = append(botIDs, m.SenderID)
		}
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	visitors, err := s.store.VisitorsByIDs(ctx, visitorIDs)
	if err != nil {
		return nil, err
	}
	bots, err := s.store.BotsByIDs(ctx, botIDs)
	if err != nil {
		return nil, err
	}
	sites, err := s.store.SitesByIDs(ctx, siteIDs)
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(ms))
	for i := range ms {
		v := messageView(&ms[i], users)
		if ms[i].SenderKind == store.SenderSystem && ms[i].Kind == store.MessageText {
			v.Automated = true
			if site := sites[ms[i].SenderID]; site != nil {
				v.Sender.Name = site.Name
			}
		}
		if ms[i].SenderKind == store.SenderBot {
			v.Sender.Name = "Bot"
			if b := bots[ms[i].SenderID]; b != nil {
				v.Sender.Name = b.Name
			}
		}
		if ms[i].SenderKind == store.SenderVisitor {
			v.Sender.Name = "Visitor"
			if vis := visitors[ms[i].SenderID]; vis != nil && vis.Name != "" {
				v.Sender.Name = vis.Name
			}
		}
		out = append(out, v)
	}
	if err := s.attachAll(ctx, ms, out); err != nil {
		return nil, err
	}
	if err := s.attachRedPackets(ctx, ms, out); err != nil {
		return nil, err
	}
	return out, nil
}

func messageView(m *store.Message, users map[int64]*store.User) Message {
	v := Message{
		ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, ClientMsgID: m.ClientMsgID,
		Sender: Sender{Kind: m.SenderKind, ID: m.SenderID}, Kind: m.Kind, Body: m.Body,
		ReplyToSeq: m.ReplyToSeq, CreatedAt: m.CreatedAt, RecalledAt: m.RecalledAt, Event: eventOf(m),
	}
	switch m.SenderKind {
	case store.SenderUser:
		if u := users[m.SenderID]; u != nil {
			v.Sender.Name = displayName(u)
		}
	case store.SenderSystem:
		v.Sender.Name = "Parley"
	}
	if m.RecalledAt != nil {
		v.Body = ""
	}
	return v
}

func displayName(u *store.User) string {
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// conversationViews converts rows for the member userID.
func (s *Service) conversationViews(ctx context.Context, userID int64, rows []store.ConversationRow) ([]Conversation, error) {
	ids := make([]int64, 0, len(rows))
	lastSeqs := map[int64]int64{}
	for _, r := range rows {
		ids = append(ids, r.ID)
		lastSeqs[r.ID] = r.LastSeq
	}
	members, err := s.store.MembersOfMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	last, err := s.store.LastMessages(ctx, lastSeqs)
	if err != nil {
		return nil, err
	}
	userIDs := []int64{}
	for _, ms := range members {
		for _, m := range ms {
			userIDs = append(userIDs, m.UserID)
		}
	}
	for _, m := range last {
		if m.SenderKind == store.SenderUser {
			userIDs = append(userIDs, m.SenderID)
		}
	}
	users, err := s.store.UsersByIDs(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	mutes, err := s.mutes(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, 0, len(rows))
	for _, r := range rows {
		c := Conversation{
			ID: r.ID, Kind: r.Kind, Title: r.Title, LastSeq: r.LastSeq, ReadSeq: r.ReadSeq,
			Unread: max(0, r.LastSeq-r.ReadSeq), CreatedAt: r.CreatedAt,
		}
		if m := mutes[r.ID]; m != nil {
			c.Muted, c.MutedUntil = true, m.MutedUntil
		}
		if m := last[r.ID]; m != nil {
			v := messageView(m, users)
			c.LastMessage = &v
		}
		if r.DirectKey != nil { // a conversation of two shows the other one
			for _, m := range members[r.ID] {
				if u := users[m.UserID]; m.UserID != userID && u != nil {
					c.Peer = &Peer{ID: u.ID, Username: u.Username, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
					c.Title = displayName(u)
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// conversationView loads one conversation as userID sees it.
func (s *Service) conversationView(ctx context.Context, userID int64, c *store.Conversation, readSeq int64) (*Conversation, error) {
	views, err := s.conversationViews(ctx, userID, []store.ConversationRow{{Conversation: *c, ReadSeq: readSeq}})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

// MessagesView converts stored messages for other services' views.
func (s *Service) MessagesView(ctx context.Context, ms []store.Message) ([]Message, error) {
	return s.views.Messages(ctx, ms)
}
