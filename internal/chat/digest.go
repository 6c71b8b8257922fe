package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/store"
)

const digestMaxMessages = 10

// SendOfflineDigest mails a user the messages of a conversation they have
// not read, if any are still unread, once per window. It is run by the
// worker as job (the job's id; "" for none) and safe to run twice: the
// claim on the member row decides. The claim names the job, so that a run
// of the same job after one that died between claim and send sends the
// mail again (with the same Message-ID) rather than losing it.
func (s *Service) SendOfflineDigest(ctx context.Context, job string, userID, conversationID int64) error {
	m, err := s.store.Member(ctx, conversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// Checked when the mail would go, not when the job was scheduled: a
	// mute or quiet hours that began since then still hold it back.
	quiet, err := s.Quiet(ctx, userID, conversationID)
	if err != nil || quiet {
		return err
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.EmailVerifiedAt == nil) {
		return nil // nobody to mail, or an address never confirmed
	}
	if err != nil {
		return err
	}
	unread, err := s.store.UnreadFromOthers(ctx, conversationID, userID, m.ReadSeq, digestMaxMessages+1)
	if err != nil {
		return err
	}
	if len(unread) == 0 {
		return nil // read in time
	}
	// The mail is written before the claim: the claim is then given back
	// only when sending fails, not when a read does (its connection cut,
	// the release could fail too, and the claim would stop every retry).
	mail, err := s.digestMail(ctx, u, conversationID, unread)
	if err != nil {
		return err
	}
	mail.MessageID = notify.JobMessageID(job, s.cfg.PublicURL)
	now := s.now()
	window := s.cfg.OfflineNotifyDelay
	claimed, err := s.store.ClaimDigest(ctx, conversationID, userID, job, now, now.Add(-window))
	if err != nil || !claimed {
		return err
	}
	if err = s.mailer.Send(ctx, mail); err != nil {
		// Give the claim back so that the retry may send it.
		_ = s.store.ReleaseDigest(ctx, conversationID, userID, m.NotifiedAt, m.NotifiedJob)
		return err
	}
	return nil
}

func (s *Service) digestMail(ctx context.Context, u *store.User, conversationID int64, unread []store.Message) (notify.Mail, error) {
	more := len(unread) > digestMaxMessages
	if more {
		unread = unread[:digestMaxMessages]
	}
	views, err := s.views.Messages(ctx, unread)
	if err != nil {
		return notify.Mail{}, err
	}
	lang := i18n.EN
	if u.Language != nil {
		lang = i18n.Pick(i18n.EN, *u.Language)
	}
	var b strings.Builder
	b.WriteString(i18n.T(lang, "mail.digest.intro", "name", displayName(u)))
	from := ""
	for _, v := range views {
		from = v.Sender.Name
		body := v.Body
		if v.Event != nil {
			body = v.Event.Render(lang)
		}
		fmt.Fprintf(&b, "%s (%s):\n%s\n\n", v.Sender.Name, v.CreatedAt.Format("2006-01-02 15:04 MST"), body)
	}
	if more {
		b.WriteString(i18n.T(lang, "mail.more"))
	}
	b.WriteString(i18n.T(lang, "mail.digest.reply", "link", fmt.Sprintf("%s/console/#/c/%d", s.cfg.PublicURL, conversationID)))
	return notify.Mail{
		Kind:    notify.KindOfflineDigest,
		To:      []string{u.Email},
		Subject: i18n.T(lang, "mail.digest.subject", "from", from),
		Text:    b.String(),
	}, nil
}
