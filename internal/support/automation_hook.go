package support

import (
	"context"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// AutomationEvent is an event of a support conversation that automation
// rules react to. Key names the event: a rule fires once per key.
type AutomationEvent struct {
	Trigger        string // conversation_created | message_created | label_added
	SiteID         int64
	ConversationID int64
	Key            string
	From           string // visitor | agent, for message_created
	LabelID        int64  // for label_added
}

// Automation hears, in the transaction that stores them, the events
// automation rules react to.
type Automation interface {
	Trigger(ctx context.Context, tx *store.Store, ev AutomationEvent) error
}

// UseAutomation has the events of support conversations told to a.
func (s *Rules) UseAutomation(a Automation) { s.automation = a }

// trigger tells automation about an event in tx (nothing without it).
func (s *Rules) trigger(ctx context.Context, tx *store.Store, ev AutomationEvent) error {
	if s.automation == nil {
		return nil
	}
	return s.automation.Trigger(ctx, tx, ev)
}

// SiteOpenAt reports whether a site is within its business hours at t.
func SiteOpenAt(site *store.Site, t time.Time) bool { return isOpen(site, t) }
