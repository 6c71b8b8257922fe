package store

import (
	"context"
	"time"
)

// Bot is a site's bot: a webhook endpoint that receives the visitors'
// messages of the queues that put it first and answers through the bot
// API, authenticated by a token of which only the hash is kept.
type Bot struct {
	ID         int64 `gorm:"primaryKey"`
	SiteID     int64
	Name       string
	AvatarURL  string
	WebhookURL string
	Secret     string // signs the deliveries to the webhook
	TokenHash  string // SHA-256 of the API token, hex
	CreatedAt  time.Time
}

// BotUpdate names the columns of a bot to change; nil fields stay.
type BotUpdate struct {
	Name       *string
	AvatarURL  *string
	WebhookURL *string
	TokenHash  *string
}

// CreateBot inserts a bot.
func (s *Store) CreateBot(ctx context.Context, b *Bot) error {
	return translate(s.q(ctx).Create(b).Error)
}

// BotByID returns a bot or ErrNotFound.
func (s *Store) BotByID(ctx context.Context, id int64) (*Bot, error) {
	var b Bot
	if err := s.q(ctx).First(&b, id).Error; err != nil {
		return nil, translate(err)
	}
	return &b, nil
}

// BotByTokenHash returns the bot whose token hashes to hash, or ErrNotFound.
func (s *Store) BotByTokenHash(ctx context.Context, hash string) (*Bot, error) {
	var b Bot
	if err := s.q(ctx).Where("token_hash = ?", hash).First(&b).Error; err != nil {
		return nil, translate(err)
	}
	return &b, nil
}

// BotsOfSite lists a site's bots, oldest first.
func (s *Store) BotsOfSite(ctx context.Context, siteID int64) ([]Bot, error) {
	var out []Bot
	err := s.q(ctx).Where("site_id = ?", siteID).Order("id").Find(&out).Error
	return out, err
}

// BotsByIDs returns the bots with the given ids, by id.
func (s *Store) BotsByIDs(ctx context.Context, ids []int64) (map[int64]*Bot, error) {
	out := map[int64]*Bot{}
	if len(ids) == 0 {
		return out, nil
	}
	var bs []Bot
	if err := s.q(ctx).Where("id IN ?", ids).Find(&bs).Error; err != nil {
		return nil, err
	}
	for i := range bs {
		out[bs[i].ID] = &bs[i]
	}
	return out, nil
}

// CountBotsOfSite counts a site's bots.
func (s *Store) CountBotsOfSite(ctx context.Context, siteID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Bot{}).Where("site_id = ?", siteID).Count(&n).Error
	return n, err
}

// UpdateBot writes the fields u sets; ErrNotFound for no such bot.
func (s *Store) UpdateBot(ctx context.Context, id int64, u BotUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "avatar_url", u.AvatarURL)
	putPtr(c, "webhook_url", u.WebhookURL)
	putPtr(c, "token_hash", u.TokenHash)
	if len(c) == 0 {
		return nil
	}
	res := s.q(ctx).Model(&Bot{}).Where("id = ?", id).Updates(map[string]any(c))
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteBot removes a bot: the queues that put it first take their chats
// straight to agents again (the foreign keys set null).
func (s *Store) DeleteBot(ctx context.Context, id int64) error {
	if err := s.q(ctx).Model(&Queue{}).Where("bot_id = ?", id).Update("bot_id", nil).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Model(&SupportConversation{}).Where("bot_id = ?", id).Update("bot_id", nil).Error; err != nil {
		return err
	}
	return translate(s.q(ctx).Delete(&Bot{}, id).Error)
}

// EndBotPhase moves a conversation out of its bot's hands into the queue,
// waiting since at, and reports whether it did: the condition sits in the
// update, so of concurrent hand-offs exactly one moves it.
func (s *Store) EndBotPhase(ctx context.Context, conversationID int64, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&SupportConversation{}).Where("conversation_id = ? AND status = 'bot'", conversationID).
		Updates(map[string]any{"status": "queued", "queued_at": at})
	return res.RowsAffected == 1, res.Error
}
