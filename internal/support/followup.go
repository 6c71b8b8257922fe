package support

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/store"
)

const followUpMaxMessages = 10

// scheduleFollowUp, in the transaction that stores a message, schedules
// the mail that goes out if nobody reacts in time: agents about a
// visitor's message, the visitor about an agent's reply.
func (s *Rules) scheduleFollowUp(ctx context.Context, tx *store.Store, sc *store.SupportConversation, msg *store.Message) error {
	if s.jobs == nil || s.mailer == nil {
		return nil
	}
	switch {
	case msg.SenderKind == store.SenderVisitor:
		return s.jobs.EnqueueNotifyAgents(ctx, tx, sc.ConversationID, s.cfg.AgentNotifyDelay)
	case msg.SenderKind == store.SenderUser && msg.Kind != store.MessageSystem:
		return s.jobs.EnqueueNotifyVisitor(ctx, tx, sc.ConversationID, s.cfg.VisitorNotifyDelay, s.cfg.VisitorNotifyDelay)
	}
	return nil
}

// FollowUps mails who is away what they missed: the responsible agents a
// visitor's unanswered messages, a visitor who left the agents' unseen
// replies. The worker runs them; the rules schedule them with each
// message (see scheduleFollowUp).
type FollowUps struct {
	shared
	chat   *chat.Service
	mailer notify.Mailer
}

// NewFollowUps builds the follow-up mails on the rules chat was built with.
func NewFollowUps(rules *Rules, ch *chat.Service, mailer notify.Mailer) *FollowUps {
	return &FollowUps{shared: rules.shared, chat: ch, mailer: mailer}
}

// NotifyAgents mails the responsible agents the visitor's messages that no
// agent has answered: the assignee, else the queue's online agents, else
// all of its agents. Messages since the last mail are folded into one; an
// agent's reply cancels it. It is run by the worker as job (the job's id;
// "" for none) and safe to run twice: the mark on the conversation
// decides. The mark names the job, so that a run of the same job after one
// that died between claim and send sends the mail again (with the same
// Message-ID) rather than losing it.
func (s *FollowUps) NotifyAgents(ctx context.Context, job string, conversationID int64) error {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	replied, err := s.store.LastSeqFrom(ctx, conversationID, store.SenderUser)
	if err != nil {
		return err
	}
	from := sc.AgentsNotifiedSeq
	if job != "" && sc.AgentsNotifiedJob != nil && *sc.AgentsNotifiedJob == job {
		from = sc.AgentsNotifiedFromSeq // this job's claim, its mail not sent
	}
	after := max(replied, from)
	msgs, err := s.store.MessagesFrom(ctx, conversationID, after, store.SenderVisitor, followUpMaxMessages+1)
	if err != nil || len(msgs) == 0 {
		return err // answered in time, or already mailed
	}
	recipients, lang, err := s.responsibleAgents(ctx, sc)
	if err != nil || len(recipients) == 0 {
		return err
	}
	// Read before the claim: a failure after it would keep the claim and
	// the retry would find the mail already claimed.
	site, err := s.store.SiteByID(ctx, sc.SiteID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	visitor, err := s.store.VisitorByID(ctx, sc.VisitorID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	lastSeq := msgs[len(msgs)-1].Seq
	claimed, err := s.store.ClaimAgentsNotified(ctx, conversationID, job, from, lastSeq)
	if err != nil || !claimed {
		return err
	}
	who := i18n.T(lang, "mail.agent_followup.a_visitor")
	if visitor != nil && visitor.Name != "" {
		who = visitor.Name
	}
	siteName := i18n.T(lang, "mail.agent_followup.your_site")
	if site != nil {
		siteName = site.Name
	}
	var b strings.Builder
	b.WriteString(i18n.T(lang, "mail.agent_followup.intro", "who", who, "site", siteName))
	for i, m := range msgs {
		if i == followUpMaxMessages {
			b.WriteString(i18n.T(lang, "mail.more"))
			break
		}
		fmt.Fprintf(&b, "%s\n%s\n\n", m.CreatedAt.Format("2006-01-02 15:04 MST"), m.Body)
	}
	if visitor != nil && visitor.Email != "" {
		b.WriteString(i18n.T(lang, "mail.agent_followup.email", "email", visitor.Email))
	}
	b.WriteString(i18n.T(lang, "mail.agent_followup.answer", "link", fmt.Sprintf("%s/console/#/inbox/%d", s.cfg.PublicURL, conversationID)))
	mail := notify.Mail{Kind: notify.KindAgentFollowUp, To: recipients, Subject: i18n.T(lang, "mail.agent_followup.subject", "who", who, "site", siteName), Text: b.String(),
		MessageID: notify.JobMessageID(job, s.cfg.PublicURL)}
	if err := s.mailer.Send(ctx, mail); err != nil {
		_ = s.store.SetAgentsNotified(ctx, conversationID, sc.AgentsNotifiedSeq, sc.AgentsNotifiedJob, sc.AgentsNotifiedFromSeq)
		return err
	}
	return nil
}

// responsibleAgents are the e-mail addresses to tell about a conversation,
// and the language of the mail: the one all of them chose, else English.
func (s *FollowUps) responsibleAgents(ctx context.Context, sc *store.SupportConversation) ([]string, string, error) {
	var ids []int64
	if sc.AssigneeID != nil {
		ids = []int64{*sc.AssigneeID}
	} else {
		agents, err := s.store.QueueAgents(ctx, sc.QueueID)
		if err != nil {
			return nil, "", err
		}
		var all []int64
		for _, a := range agents {
			all = append(all, a.UserID)
			if st, err := s.store.AgentByID(ctx, a.UserID); err == nil && s.available(st) {
				ids = append(ids, a.UserID)
			}
		}
		if len(ids) == 0 {
			ids = all
		}
	}
	// Only who serves the site now hears of its visitors by mail.
	ids, err := s.store.SiteStaffAmong(ctx, sc.SiteID, ids)
	if err != nil {
		return nil, "", err
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	var out []string
	langs := map[string]bool{}
	for _, id := range ids {
		if u := users[id]; u != nil && u.Email != "" {
			out = append(out, u.Email)
			langs[auth.UserLanguage(u)] = true
		}
	}
	lang := i18n.EN
	if len(langs) == 1 {
		for l := range langs {
			lang = l
		}
	}
	return out, lang, nil
}

// NotifyVisitor mails a visitor who left the agents' replies they have not
// seen, once per window, with a link back to the chat. It is run by the
// worker as job and claims the mail for it, as NotifyAgents does.
func (s *FollowUps) NotifyVisitor(ctx context.Context, job string, conversationID int64) error {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	visitor, err := s.store.VisitorByID(ctx, sc.VisitorID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err // retried: a failed read must not pass for "nobody to write to"
	}
	if visitor.Email == "" {
		return nil // nobody to write to
	}
	msgs, err := s.store.MessagesFrom(ctx, conversationID, sc.VisitorReadSeq, store.SenderUser, followUpMaxMessages+1)
	if err != nil || len(msgs) == 0 {
		return err // seen in time
	}
	// Everything the mail needs is read before the claim: a read failing
	// after it would keep the claim, and the retry would find the mail
	// already claimed and never send it.
	site, err := s.store.SiteByID(ctx, sc.SiteID)
	if err != nil {
		return err
	}
	views, err := s.chat.MessagesView(ctx, msgs)
	if err != nil {
		return err
	}
	now := s.now()
	claimed, err := s.store.ClaimVisitorNotify(ctx, conversationID, job, now, now.Add(-s.cfg.VisitorNotifyDelay))
	if err != nil || !claimed {
		return err
	}
	lang := i18n.Pick(i18n.EN, visitor.Locale)
	var b strings.Builder
	if visitor.Name != "" {
		b.WriteString(i18n.T(lang, "mail.visitor_followup.intro_named", "name", visitor.Name, "site", site.Name))
	} else {
		b.WriteString(i18n.T(lang, "mail.visitor_followup.intro", "site", site.Name))
	}
	for i, m := range views {
		if i == followUpMaxMessages {
			b.WriteString(i18n.T(lang, "mail.more"))
			break
		}
		body := m.Body
		if m.Event != nil {
			body = m.Event.Render(lang)
		}
		fmt.Fprintf(&b, "%s:\n%s\n\n", m.Sender.Name, body)
	}
	// The site's origins may have changed since the page was stored.
	if link := chatLink(visitor.PageURL); link != "" && pageAllowed(site, visitor.PageURL, s.cfg.PublicURL) {
		b.WriteString(i18n.T(lang, "mail.visitor_followup.continue", "link", link))
	}
	mail := notify.Mail{Kind: notify.KindVisitorFollowUp, To: []string{visitor.Email}, Subject: i18n.T(lang, "mail.visitor_followup.subject", "site", site.Name), Text: b.String(),
		MessageID: notify.JobMessageID(job, s.cfg.PublicURL)}
	if err := s.mailer.Send(ctx, mail); err != nil {
		_ = s.store.ReleaseVisitorNotify(ctx, conversationID, sc.VisitorNotifiedAt, sc.VisitorNotifiedJob)
		return err
	}
	return nil
}

// chatLink is the page the visitor chatted from, asking the widget to open.
func chatLink(pageURL string) string {
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	q := u.Query()
	q.Set("parley", "open")
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}
