package support

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// MaxBotsPerSite bounds the bots a site has.
const MaxBotsPerSite = 10

// BotAPILimitPerMinute bounds the bot API calls of one bot.
const BotAPILimitPerMinute = 300

// Bots manages sites' bots and serves the bot API: a bot answers the
// visitors of the queues that put it first, until it (or the visitor, or
// an agent who claims the conversation) hands the conversation to agents.
type Bots struct {
	shared
	rules   *Rules
	routing *Routing
	chat    *chat.Service
	client  *outbound.Client
	limiter *ratelimit.Limiter
}

// NewBots builds the bots on the rules chat was built with; client is
// Parley's one door for requests to URLs people typed, limiter caps each
// bot's API calls.
func NewBots(rules *Rules, routing *Routing, ch *chat.Service, client *outbound.Client, limiter *ratelimit.Limiter) *Bots {
	return &Bots{shared: rules.shared, rules: rules, routing: routing, chat: ch, client: client, limiter: limiter}
}

// Bot is a bot as its admins see it; the secret and the token only when
// created (and the token when rotated).
type Bot struct {
	ID         int64     `json:"id"`
	SiteID     int64     `json:"site_id"`
	Name       string    `json:"name"`
	AvatarURL  string    `json:"avatar_url"`
	WebhookURL string    `json:"webhook_url"`
	Secret     string    `json:"secret,omitempty"`
	Token      string    `json:"token,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// BotInput is what it takes to add a bot.
type BotInput struct {
	Name       string `json:"name"`
	AvatarURL  string `json:"avatar_url"`
	WebhookURL string `json:"webhook_url"`
}

// BotPatch changes a bot; nil fields stay.
type BotPatch struct {
	Name       *string `json:"name"`
	AvatarURL  *string `json:"avatar_url"`
	WebhookURL *string `json:"webhook_url"`
}

var (
	errNoBot            = errs.R(errs.NotFound, "bot_not_found", "no such bot")
	errBadBotToken      = errs.R(errs.Unauthorized, "invalid_bot_token", "the bot token is not valid")
	errNotBotsChat      = errs.R(errs.Forbidden, "not_bot_conversation", "this conversation is not held by this bot")
	errBotPhaseOver     = errs.R(errs.Conflict, "not_bot_phase", "this conversation was handed to agents; the bot no longer writes in it")
	errBotMessageNoText = errs.R(errs.Rule, "bot_text_only", "a bot sends text messages")
)

func botView(b *store.Bot) Bot {
	return Bot{ID: b.ID, SiteID: b.SiteID, Name: b.Name, AvatarURL: b.AvatarURL, WebhookURL: b.WebhookURL, CreatedAt: b.CreatedAt}
}

// newBotCredential is a random credential with a prefix.
func newBotCredential(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func hashBotToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func checkBotName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", errs.Field("name", "1 to 64 characters")
	}
	return name, nil
}

func checkBotAvatar(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2000 {
		return "", errs.Field("avatar_url", "an http(s) URL, or empty for none")
	}
	return u.String(), nil
}

// Create adds a bot to a site (admins), at most MaxBotsPerSite. The answer
// shows its secret and token, this once. Errors: 403, 400 naming the
// field, 404 site_not_found, 422 too_many_bots.
func (s *Bots) Create(ctx context.Context, actor auth.Identity, siteID int64, in BotInput) (*Bot, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	name, err := checkBotName(in.Name)
	if err != nil {
		return nil, err
	}
	avatar, err := checkBotAvatar(in.AvatarURL)
	if err != nil {
		return nil, err
	}
	hook, err := s.client.CheckEndpoint("webhook_url", in.WebhookURL)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	} else if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	token := newBotCredential("pbt_")
	b := &store.Bot{SiteID: siteID, Name: name, AvatarURL: avatar, WebhookURL: hook, Secret: newBotCredential("botsec_"),
		TokenHash: hashBotToken(token), CreatedAt: s.now()}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockSite(ctx, siteID); err != nil {
			return err
		}
		if n, err := tx.CountBotsOfSite(ctx, siteID); err != nil {
			return err
		} else if n >= MaxBotsPerSite {
			return errs.Rf(errs.Rule, "too_many_bots", "a site has at most %d bots", MaxBotsPerSite)
		}
		if err := tx.CreateBot(ctx, b); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "bot.create", "bot", b.ID, map[string]any{"site_id": siteID, "name": name})
	})
	if err != nil {
		return nil, asDomain(err, "create bot")
	}
	v := botView(b)
	v.Secret, v.Token = b.Secret, token
	return &v, nil
}

// List returns a site's bots (admins).
func (s *Bots) List(ctx context.Context, actor auth.Identity, siteID int64) ([]Bot, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	} else if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	bs, err := s.store.BotsOfSite(ctx, siteID)
	if err != nil {
		return nil, errs.Wrap(err, "list bots")
	}
	out := make([]Bot, 0, len(bs))
	for i := range bs {
		out = append(out, botView(&bs[i]))
	}
	return out, nil
}

// adminBot loads a bot for an admin: 403 for others, 404 for no such bot.
func (s *Bots) adminBot(ctx context.Context, actor auth.Identity, id int64) (*store.Bot, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	b, err := s.store.BotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoBot
	}
	if err != nil {
		return nil, errs.Wrap(err, "load bot")
	}
	return b, nil
}

// Update renames a bot or changes its avatar or webhook (admins).
func (s *Bots) Update(ctx context.Context, actor auth.Identity, id int64, p BotPatch) (*Bot, error) {
	b, err := s.adminBot(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var u store.BotUpdate
	detail := map[string]any{}
	if p.Name != nil {
		name, err := checkBotName(*p.Name)
		if err != nil {
			return nil, err
		}
		u.Name, detail["name"] = &name, name
	}
	if p.AvatarURL != nil {
		avatar, err := checkBotAvatar(*p.AvatarURL)
		if err != nil {
			return nil, err
		}
		u.AvatarURL, detail["avatar_url"] = &avatar, avatar
	}
	if p.WebhookURL != nil {
		hook, err := s.client.CheckEndpoint("webhook_url", *p.WebhookURL)
		if err != nil {
			return nil, err
		}
		u.WebhookURL, detail["webhook_url"] = &hook, loggableBotURL(hook)
	}
	if len(detail) > 0 {
		err = s.store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.UpdateBot(ctx, id, u); err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor.ID, "bot.update", "bot", id, detail)
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoBot
		}
		if err != nil {
			return nil, errs.Wrap(err, "update bot")
		}
		if b, err = s.store.BotByID(ctx, id); err != nil {
			return nil, errs.Wrap(err, "reload bot")
		}
	}
	v := botView(b)
	return &v, nil
}

// RotateToken gives a bot a new API token (admins); the old one stops
// working at once. The answer shows the new token, this once.
func (s *Bots) RotateToken(ctx context.Context, actor auth.Identity, id int64) (*Bot, error) {
	b, err := s.adminBot(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	token := newBotCredential("pbt_")
	hash := hashBotToken(token)
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateBot(ctx, id, store.BotUpdate{TokenHash: &hash}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "bot.rotate_token", "bot", id, map[string]any{"site_id": b.SiteID})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoBot
	}
	if err != nil {
		return nil, errs.Wrap(err, "rotate bot token")
	}
	v := botView(b)
	v.Token = token
	return &v, nil
}

// Delete removes a bot (admins). Its queues route straight to agents
// again, and the conversations it still held go to the agents now.
func (s *Bots) Delete(ctx context.Context, actor auth.Identity, id int64) error {
	b, err := s.adminBot(ctx, actor, id)
	if err != nil {
		return err
	}
	held, err := s.store.SupportConversations(ctx, store.SupportFilter{SiteID: b.SiteID, Status: StatusBot}, 1000)
	if err != nil {
		return errs.Wrap(err, "list conversations")
	}
	for _, sc := range held {
		if sc.BotID != nil && *sc.BotID == id {
			if _, err := s.handoff(ctx, sc.ConversationID, chat.Event{Type: chat.EventHandedToAgent, Actor: &chat.EventUser{ID: b.ID, Name: b.Name}}, ""); err != nil && !errors.Is(err, errBotPhaseOver) {
				return err
			}
		}
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteBot(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "bot.delete", "bot", id, map[string]any{"site_id": b.SiteID, "name": b.Name})
	})
	if err != nil {
		return errs.Wrap(err, "delete bot")
	}
	return nil
}

// Authenticate returns the bot a token belongs to; 401 invalid_bot_token.
func (s *Bots) Authenticate(ctx context.Context, token string) (*store.Bot, error) {
	if token == "" || len(token) > 200 {
		return nil, errBadBotToken
	}
	b, err := s.store.BotByTokenHash(ctx, hashBotToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBadBotToken
	}
	if err != nil {
		return nil, errs.Wrap(err, "load bot")
	}
	return b, nil
}

// allow applies the per-bot limit of API calls.
func (s *Bots) allow(ctx context.Context, botID int64) error {
	if s.limiter == nil {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ok, wait, err := s.limiter.Allow(lctx, fmt.Sprintf("botapi:%d", botID), BotAPILimitPerMinute, time.Minute)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "err", err)
		return nil
	}
	if !ok {
		secs := max(1, int(wait.Round(time.Second).Seconds()))
		e := errs.Rf(errs.RateLimited, "rate_limited", "too many requests; wait %d seconds", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}

// BotSendInput is a bot's message.
type BotSendInput struct {
	ClientMsgID string `json:"client_msg_id"`
	Kind        string `json:"kind"`
	Body        string `json:"body"`
}

// Send posts a bot's text message to a conversation it holds; a retry with
// the same client_msg_id returns the message already stored. Errors: 400
// naming the field, 403 not_bot_conversation (another site's or another
// bot's), 409 not_bot_phase (handed to agents), 429.
func (s *Bots) Send(ctx context.Context, bot *store.Bot, conversationID int64, in BotSendInput) (*chat.Message, error) {
	if err := s.allow(ctx, bot.ID); err != nil {
		return nil, err
	}
	if in.Kind != "" && in.Kind != string(store.MessageText) {
		return nil, errBotMessageNoText
	}
	return s.chat.SendAs(ctx, chat.Actor{Kind: store.SenderBot, ID: bot.ID},
		chat.SendInput{ConversationID: conversationID, ClientMsgID: in.ClientMsgID, Kind: store.MessageText, Body: in.Body})
}

// botCanSend lets a bot write only in the conversations it holds, while it
// holds them.
func botCanSend(ctx context.Context, st *store.Store, conv *store.Conversation, botID int64) error {
	sc, err := st.SupportConversationByID(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNotBotsChat
	}
	if err != nil {
		return err
	}
	return botHolds(ctx, st, sc, botID)
}

// botHolds checks that sc is the bot's (403) and still in its hands (409).
func botHolds(ctx context.Context, st *store.Store, sc *store.SupportConversation, botID int64) error {
	b, err := st.BotByID(ctx, botID)
	if errors.Is(err, store.ErrNotFound) {
		return errBadBotToken
	}
	if err != nil {
		return err
	}
	if sc.SiteID != b.SiteID || sc.BotID == nil || *sc.BotID != botID {
		return errNotBotsChat
	}
	if sc.Status != StatusBot {
		return errBotPhaseOver
	}
	return nil
}

// HandoffInput is a bot's hand-off, with an optional reason for the agents.
type HandoffInput struct {
	Reason string `json:"reason"`
}

// Handoff ends the bot's phase of a conversation it holds: routing
// proceeds as for a new conversation. Errors: 400, 403
// not_bot_conversation, 409 not_bot_phase.
func (s *Bots) Handoff(ctx context.Context, bot *store.Bot, conversationID int64, in HandoffInput) (*Conversation, error) {
	if err := s.allow(ctx, bot.ID); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(reason) > 500 {
		return nil, errs.Field("reason", "at most 500 characters")
	}
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotBotsChat
	}
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	if err := botHolds(ctx, s.store, sc, bot.ID); err != nil {
		return nil, err
	}
	return s.handoff(ctx, conversationID, chat.Event{Type: chat.EventHandedToAgent, Actor: &chat.EventUser{ID: bot.ID, Name: bot.Name}, Text: reason}, "")
}

// VisitorHandoff is the visitor asking for a person: the conversation
// leaves its bot, which is told. Asking again once it has is no error.
func (s *Bots) VisitorHandoff(ctx context.Context, visitorID, conversationID int64) (*Conversation, error) {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sc.VisitorID != visitorID) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	if sc.Status == StatusBot {
		v, err := s.handoff(ctx, conversationID, chat.Event{Type: chat.EventHandedToAgent, Via: "visitor"}, "visitor")
		if err == nil || !errors.Is(err, errBotPhaseOver) {
			return v, err
		}
	}
	if sc, err = s.store.SupportConversationByID(ctx, conversationID); err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	return s.rules.conversationView(ctx, sc, false)
}

// handoff moves a conversation out of its bot's hands (telling the bot
// when by is not empty), posts ev, and routes it as a new conversation.
func (s *Bots) handoff(ctx context.Context, conversationID int64, ev chat.Event, by string) (*Conversation, error) {
	var (
		events []routed
		sys    *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := tx.SupportConversationByID(ctx, conversationID)
		if err != nil {
			return err
		}
		if _, err := tx.LockQueue(ctx, sc.QueueID); err != nil {
			return err
		}
		now := s.now()
		moved, err := tx.EndBotPhase(ctx, conversationID, now)
		if err != nil {
			return err
		}
		if !moved {
			return errBotPhaseOver
		}
		if by != "" {
			if err := s.rules.tellBot(ctx, tx, sc, botPayload(BotEventHandoff, 0, by)); err != nil {
				return err
			}
		}
		if q, err := tx.QueueByID(ctx, sc.QueueID); err == nil && q.FirstResponseTargetS != nil {
			if err := tx.UpdateSupportConversation(ctx, conversationID, store.SupportConversationUpdate{FirstResponseDueAt: store.SetTo(*dueAfter(now, q.FirstResponseTargetS))}); err != nil {
				return err
			}
		}
		if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, ev); err != nil {
			return err
		}
		sc.Status, sc.QueuedAt = StatusQueued, &now
		r, err := s.rules.routeTx(ctx, tx, sc, 0, now)
		if r == nil && err == nil {
			r = &routed{conversationID: conversationID, event: "queued", queueID: sc.QueueID}
		}
		if r != nil {
			events = append(events, *r)
		}
		return err
	})
	if err != nil {
		return nil, asDomain(err, "hand off")
	}
	s.chat.Announce(ctx, nil, sys)
	s.routing.announce(ctx, events)
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	return s.rules.conversationView(ctx, sc, false)
}

// loggableBotURL drops what may carry credentials from a URL for the log.
func loggableBotURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}
