package support

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// The steps of the first-run checklist, in the order an admin takes them.
const (
	StepCreateSite   = "create_site"
	StepJoinQueue    = "join_queue"
	StepGoOnline     = "go_online"
	StepPasteSnippet = "paste_snippet"
	StepTestMessage  = "test_message"
)

// ChecklistStep is one step of the first-run checklist and whether it is
// done now.
type ChecklistStep struct {
	ID   string `json:"id"`
	Done bool   `json:"done"`
}

// Checklist is what a new desk still lacks before chats reach its admin.
// Every state is read from the data at each call, never stored.
type Checklist struct {
	Steps   []ChecklistStep `json:"steps"`
	Done    bool            `json:"done"`
	DemoURL string          `json:"demo_url"`
}

// SetupChecklist returns the first-run checklist as its admin sees it: a
// site exists; the admin belongs to a queue and is online; some site's
// widget was opened on a page outside Parley (the snippet is pasted); a
// visitor of the demo page has sent a message.
func (s *Sites) SetupChecklist(ctx context.Context, actor auth.Identity) (*Checklist, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	own := ownOrigin(s.cfg.PublicURL)
	site, err := s.store.AnySite(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "checklist: sites")
	}
	queues, err := s.store.AgentQueues(ctx, actor.ID)
	if err != nil {
		return nil, errs.Wrap(err, "checklist: queues")
	}
	online := false
	if a, err := s.store.AgentByID(ctx, actor.ID); err == nil {
		online = a.Status == AgentOnline
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, errs.Wrap(err, "checklist: status")
	}
	pasted, err := s.store.VisitorSeenOutside(ctx, own+"/")
	if err != nil {
		return nil, errs.Wrap(err, "checklist: snippet")
	}
	tested, err := s.store.VisitorMessageFrom(ctx, own+"/demo")
	if err != nil {
		return nil, errs.Wrap(err, "checklist: test message")
	}
	c := &Checklist{DemoURL: s.cfg.PublicURL + "/demo", Done: true, Steps: []ChecklistStep{
		{StepCreateSite, site}, {StepJoinQueue, len(queues) > 0}, {StepGoOnline, online},
		{StepPasteSnippet, pasted}, {StepTestMessage, tested},
	}}
	for _, st := range c.Steps {
		c.Done = c.Done && st.Done
	}
	return c, nil
}

// ownOrigin is the scheme and host of Parley's public URL, lower case.
func ownOrigin(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return strings.ToLower(strings.TrimRight(publicURL, "/"))
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}
