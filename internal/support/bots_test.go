package support_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/webhooks"
)

// botDelivery is what the test's bot received.
type botDelivery struct {
	DeliveryID     string `json:"delivery_id"`
	Event          string `json:"event"`
	ConversationID int64  `json:"conversation_id"`
	SiteID         int64  `json:"site_id"`
	By             string `json:"by"`
	Visitor        struct {
		ID         int64             `json:"id"`
		Name       string            `json:"name"`
		Attributes map[string]string `json:"attributes"`
	} `json:"visitor"`
	Message *struct {
		Seq  int64  `json:"seq"`
		Body string `json:"body"`
	} `json:"message"`
}

// echoBot is a bot's webhook: it checks each delivery's signature, answers
// every visitor message with "echo: <body>" through the bot API, and hands
// the conversation to agents when asked for "agent". With failFirst it
// answers the first try of each message delivery with a 500.
type echoBot struct {
	mu        sync.Mutex
	secret    string
	api       *testkit.Client
	got       []botDelivery
	tries     map[string]int
	badSig    int
	failFirst bool
	t         *testing.T
}

func (b *echoBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	ts, v1, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("X-Parley-Signature"), "t="), ",v1=")
	if webhooks.Verify(b.secret, ts, v1, body, time.Now()) != nil {
		b.badSig++
		b.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var d botDelivery
	_ = json.Unmarshal(body, &d)
	if d.DeliveryID != r.Header.Get("X-Parley-Delivery") || d.Event != r.Header.Get("X-Parley-Event") {
		b.badSig++
	}
	b.tries[d.DeliveryID]++
	first := b.tries[d.DeliveryID] == 1
	b.got = append(b.got, d)
	api, fail := b.api, b.failFirst && first && d.Event == "message"
	b.mu.Unlock()
	if d.Event == "message" && d.Message != nil && api != nil {
		path := fmt.Sprintf("/api/v1/bot/conversations/%d", d.ConversationID)
		if d.Message.Body == "agent" {
			api.Raw("POST", path+"/handoff", map[string]string{"reason": "asked for an agent"})
		} else {
			// The same client_msg_id on a retried delivery: one answer.
			api.Raw("POST", path+"/messages", map[string]string{"client_msg_id": fmt.Sprintf("re-%d", d.Message.Seq), "body": "echo: " + d.Message.Body})
		}
	}
	if fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (b *echoBot) deliveries() []botDelivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]botDelivery(nil), b.got...)
}

// waitFor polls cond until it holds or 20 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 20s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type botView struct {
	ID         int64  `json:"id"`
	SiteID     int64  `json:"site_id"`
	Name       string `json:"name"`
	WebhookURL string `json:"webhook_url"`
	Secret     string `json:"secret"`
	Token      string `json:"token"`
}

// botDesk is a desk whose default queue puts a bot first.
type botDesk struct {
	*desk
	bot    *echoBot
	hook   *httptest.Server
	info   botView
	botAPI *testkit.Client
}

func newBotDesk(t *testing.T, agents int, opts ...testkit.Option) *botDesk {
	t.Helper()
	d := newDesk(t, agents, 3, append(opts, testkit.WithOutboundAllow("127.0.0.1/32"))...)
	b := &echoBot{tries: map[string]int{}, t: t}
	hook := httptest.NewServer(b)
	t.Cleanup(hook.Close)
	var info botView
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), map[string]string{"name": "Robo", "webhook_url": hook.URL}, http.StatusCreated, &info)
	if info.Secret == "" || info.Token == "" || info.Name != "Robo" {
		t.Fatalf("created bot %+v", info)
	}
	api := d.srv.Client()
	api.Token, api.Scheme = info.Token, "Bot"
	b.mu.Lock()
	b.secret, b.api = info.Secret, api
	b.mu.Unlock()
	var q struct {
		BotID *int64 `json:"bot_id"`
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"bot_id": info.ID}, http.StatusOK, &q)
	if q.BotID == nil || *q.BotID != info.ID {
		t.Fatalf("queue bot_id %v", q.BotID)
	}
	return &botDesk{desk: d, bot: b, hook: hook, info: info, botAPI: api}
}

func (d *botDesk) visitorSays(v *testkit.Visitor, conversationID int64, id, body string) {
	d.srv.Client() // keep the desk's server in use
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conversationID), map[string]string{"client_msg_id": id, "body": body}, http.StatusCreated, nil)
}

func bodies(p testkit.MessagePage) []string {
	var out []string
	for _, m := range p.Items {
		out = append(out, m.Sender.Kind+":"+m.Body)
	}
	return out
}

func TestBotAnswersTheVisitorAndHandsOffToAnAgent(t *testing.T) {
	d := newBotDesk(t, 1)
	agent := d.agents[0]
	d.online(agent)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	if conv.Status != "bot" || conv.AssigneeID() != 0 {
		t.Fatalf("opened %+v, want status bot and no assignee although an agent is online", conv)
	}
	ws := v.Dial()
	waitFor(t, "conversation_started delivered", func() bool {
		for _, d := range d.bot.deliveries() {
			if d.Event == "conversation_started" && d.ConversationID == conv.ID {
				return true
			}
		}
		return false
	})
	d.visitorSays(v, conv.ID, "m1", "hello")
	// The bot's answer reaches the visitor live, with the bot's name.
	for {
		f := ws.ReadType("message", 20*time.Second)
		var m struct {
			Message testkit.Message `json:"message"`
		}
		f.Decode(t, &m)
		if m.Message.Sender.Kind == "bot" {
			if m.Message.Body != "echo: hello" || m.Message.Sender.Name != "Robo" {
				t.Fatalf("bot message %+v", m.Message)
			}
			break
		}
	}
	// And stays in the history, for the visitor and for agents.
	if got := bodies(v.History(conv.ID, "after_seq=0")); strings.Join(got, "|") != "visitor:hello|bot:echo: hello" {
		t.Fatalf("visitor's history %v", got)
	}
	if got := bodies(d.admin.History(conv.ID, "after_seq=0")); len(got) != 2 {
		t.Fatalf("admin's history %v", got)
	}
	first := d.bot.deliveries()
	var msg *botDelivery
	for i := range first {
		if first[i].Event == "message" {
			msg = &first[i]
		}
	}
	if msg == nil || msg.Message.Body != "hello" || msg.SiteID != d.site.ID || msg.Visitor.ID != v.VisitorID {
		t.Fatalf("message delivery %+v", msg)
	}
	// The agent has nothing yet: the bot holds it.
	if mine := inbox(t, agent, "view=mine"); len(mine) != 0 {
		t.Fatalf("agent holds %d conversations during the bot phase", len(mine))
	}
	if all := inbox(t, d.admin, "view=all&status=bot"); len(all) != 1 || all[0].ID != conv.ID {
		t.Fatalf("bot filter %+v", all)
	}
	// Asked for an agent, the bot hands off: routed to the online agent.
	d.visitorSays(v, conv.ID, "m2", "agent")
	waitFor(t, "the conversation is assigned to the agent", func() bool {
		mine := inbox(t, agent, "view=mine")
		return len(mine) == 1 && mine[0].ID == conv.ID && mine[0].Status == "assigned"
	})
	hist := v.History(conv.ID, "after_seq=0")
	last := hist.Items[len(hist.Items)-1]
	if last.Sender.Kind != "system" || !strings.Contains(last.Body, "Robo handed the conversation to an agent") {
		t.Fatalf("last message %+v", last)
	}
	// After the hand-off the bot writes no more.
	r := d.botAPI.Raw("POST", fmt.Sprintf("/api/v1/bot/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "late", "body": "still here"})
	if r.Status != http.StatusConflict || r.ErrorCode() != "not_bot_phase" {
		t.Fatalf("bot after hand-off: %d %s", r.Status, r.Body)
	}
	if r := d.botAPI.Raw("POST", fmt.Sprintf("/api/v1/bot/conversations/%d/handoff", conv.ID), nil); r.Status != http.StatusConflict {
		t.Fatalf("second hand-off: %d %s", r.Status, r.Body)
	}
	// The visitor's messages go to the agent now, not to the bot.
	n := len(d.bot.deliveries())
	d.visitorSays(v, conv.ID, "m3", "thanks")
	d.srv.WaitJobs("bot:deliver")
	if got := len(d.bot.deliveries()); got != n {
		t.Fatalf("the bot got %d deliveries after the hand-off", got-n)
	}
	if d.bot.badSig != 0 {
		t.Fatalf("%d deliveries with a bad signature", d.bot.badSig)
	}
}

func TestVisitorAsksForAPersonAndTheBotIsTold(t *testing.T) {
	d := newBotDesk(t, 1)
	agent := d.agents[0]
	d.online(agent)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	var out testkit.SupportConversation
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil, http.StatusOK, &out)
	if out.Status != "assigned" || out.AssigneeID() != agent.UserID {
		t.Fatalf("after the visitor's hand-off %+v", out)
	}
	// Idempotent: asking again changes nothing.
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil, http.StatusOK, &out)
	if out.Status != "assigned" {
		t.Fatalf("second ask %+v", out)
	}
	waitFor(t, "the bot hears of the hand-off", func() bool {
		for _, x := range d.bot.deliveries() {
			if x.Event == "handoff" && x.By == "visitor" && x.ConversationID == conv.ID {
				return true
			}
		}
		return false
	})
	hist := v.History(conv.ID, "after_seq=0")
	sys := 0
	for _, m := range hist.Items {
		if m.Sender.Kind == "system" {
			sys++
		}
	}
	if sys != 1 {
		t.Fatalf("%d system messages, want one hand-off: %v", sys, bodies(hist))
	}
	// Another visitor cannot hand off this conversation.
	other, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	if r := other.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("someone else's hand-off: %d", r.Status)
	}
}

func TestAgentClaimEndsTheBotPhase(t *testing.T) {
	d := newBotDesk(t, 1)
	agent := d.agents[0]
	d.online(agent)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	agent.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/claim", conv.ID), map[string]any{}, http.StatusOK, nil)
	waitFor(t, "the bot hears an agent took over", func() bool {
		for _, x := range d.bot.deliveries() {
			if x.Event == "handoff" && x.By == "agent" {
				return true
			}
		}
		return false
	})
	if r := d.botAPI.Raw("POST", fmt.Sprintf("/api/v1/bot/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "x", "body": "hi"}); r.Status != http.StatusConflict {
		t.Fatalf("bot after the claim: %d", r.Status)
	}
}

func TestBotDeliveryIsRetriedAfterA500(t *testing.T) {
	d := newBotDesk(t, 0)
	d.bot.mu.Lock()
	d.bot.failFirst = true
	d.bot.mu.Unlock()
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	d.visitorSays(v, conv.ID, "m1", "hello")
	waitFor(t, "the message delivery is tried twice", func() bool {
		n := 0
		for _, x := range d.bot.deliveries() {
			if x.Event == "message" {
				n++
			}
		}
		return n >= 2
	})
	var ids []string
	for _, x := range d.bot.deliveries() {
		if x.Event == "message" {
			ids = append(ids, x.DeliveryID)
		}
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("delivery ids %v: a retry keeps its id", ids)
	}
	// The bot answered on both tries with one client_msg_id: one answer.
	got := bodies(v.History(conv.ID, "after_seq=0"))
	if strings.Join(got, "|") != "visitor:hello|bot:echo: hello" {
		t.Fatalf("history %v", got)
	}
}

func TestBotAPIIsBoundToItsSiteAndToken(t *testing.T) {
	d := newBotDesk(t, 0)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	path := fmt.Sprintf("/api/v1/bot/conversations/%d/messages", conv.ID)

	bad := d.srv.Client()
	bad.Token, bad.Scheme = "pbt_nope", "Bot"
	if r := bad.Raw("POST", path, map[string]string{"client_msg_id": "a", "body": "hi"}); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_bot_token" {
		t.Fatalf("bad token: %d %s", r.Status, r.Body)
	}
	// A bot of another site may not write here.
	var other struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	var ob botView
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/bots", other.ID), map[string]string{"name": "Intruder", "webhook_url": d.hook.URL}, http.StatusCreated, &ob)
	intruder := d.srv.Client()
	intruder.Token, intruder.Scheme = ob.Token, "Bot"
	if r := intruder.Raw("POST", path, map[string]string{"client_msg_id": "a", "body": "hi"}); r.Status != http.StatusForbidden || r.ErrorCode() != "not_bot_conversation" {
		t.Fatalf("another site's bot: %d %s", r.Status, r.Body)
	}
	if r := intruder.Raw("POST", fmt.Sprintf("/api/v1/bot/conversations/%d/handoff", conv.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("another site's bot hands off: %d %s", r.Status, r.Body)
	}
	// A queue may not put another site's bot first.
	if r := d.admin.Raw("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"bot_id": ob.ID}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("another site's bot on a queue: %d %s", r.Status, r.Body)
	}
	// Validation errors name the field.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "", "webhook_url": d.hook.URL}, "name"},
		{map[string]any{"name": "X", "webhook_url": "ftp://x"}, "webhook_url"},
		{map[string]any{"name": "X", "webhook_url": "http://10.1.2.3/hook"}, "webhook_url"},
		{map[string]any{"name": "X", "webhook_url": d.hook.URL, "avatar_url": "javascript:alert(1)"}, "avatar_url"},
	} {
		r := d.admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), tc.body)
		var e struct {
			Error struct {
				Details map[string]string `json:"details"`
			} `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &e)
		if r.Status != http.StatusBadRequest || e.Error.Details[tc.field] == "" {
			t.Fatalf("%v: %d %s, want 400 naming %s", tc.body, r.Status, r.Body, tc.field)
		}
	}
	if r := d.botAPI.Raw("POST", path, map[string]string{"client_msg_id": "", "body": "hi"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "client_msg_id") {
		t.Fatalf("no client_msg_id: %d %s", r.Status, r.Body)
	}
	// Agents who are not admins do not manage bots.
	if r := d.srv.Client().Raw("GET", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", r.Status)
	}
	// A rotated token replaces the old one at once.
	var rotated botView
	d.admin.Do("POST", fmt.Sprintf("/api/v1/bots/%d/token", d.info.ID), nil, http.StatusOK, &rotated)
	if rotated.Token == "" || rotated.Token == d.info.Token || rotated.Secret != "" {
		t.Fatalf("rotated %+v", rotated)
	}
	if r := d.botAPI.Raw("POST", path, map[string]string{"client_msg_id": "b", "body": "hi"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old token after rotation: %d", r.Status)
	}
	fresh := d.srv.Client()
	fresh.Token, fresh.Scheme = rotated.Token, "Bot"
	fresh.Do("POST", path, map[string]string{"client_msg_id": "b", "body": "hi"}, http.StatusCreated, nil)
	// The list shows no secret or token; at most ten bots a site.
	var list struct {
		Items []botView `json:"items"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Secret != "" || list.Items[0].Token != "" {
		t.Fatalf("list %+v", list.Items)
	}
	for i := 1; i < 10; i++ {
		d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), map[string]string{"name": fmt.Sprintf("B%d", i), "webhook_url": d.hook.URL}, http.StatusCreated, nil)
	}
	if r := d.admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/bots", d.site.ID), map[string]string{"name": "B11", "webhook_url": d.hook.URL}); r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "too_many_bots" {
		t.Fatalf("eleventh bot: %d %s", r.Status, r.Body)
	}
	// Deleting the bot hands its conversations to agents.
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/bots/%d", d.info.ID), nil, http.StatusNoContent, nil)
	if c := d.conversation(d.admin, conv.ID); c.Status != "queued" {
		t.Fatalf("after the bot's deletion %+v", c)
	}
}

// convFrame waits on ws for a conversation frame about id and returns its
// event and the conversation's status.
func convFrame(t *testing.T, ws *testkit.WS, id int64) (string, testkit.SupportConversation) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("no conversation frame about %d", id)
		}
		var f struct {
			Event        string                      `json:"event"`
			Conversation testkit.SupportConversation `json:"conversation"`
		}
		ws.ReadType("conversation", left).Decode(t, &f)
		if f.Conversation.ID == id {
			return f.Event, f.Conversation
		}
	}
}

func TestAgentsSeeABotConversationOpenAndItsHandoffLive(t *testing.T) {
	d := newBotDesk(t, 1)
	agent := d.agents[0]
	d.online(agent)
	agentWS, adminWS := agent.Dial(), d.admin.Dial()
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	visitorWS := v.Dial()
	conv := v.Open(nil)
	if conv.Status != "bot" {
		t.Fatalf("opened %+v", conv)
	}
	// Every agent who can see it gets it at once, with its bot.
	for who, ws := range map[string]*testkit.WS{"agent": agentWS, "admin": adminWS} {
		if ev, c := convFrame(t, ws, conv.ID); ev != "opened" || c.Status != "bot" || c.AssigneeID() != 0 {
			t.Fatalf("%s got %s %+v", who, ev, c)
		}
	}
	// The visitor, who has it from the answer, gets no such frame: the
	// bot's message is the barrier, published after the opening.
	waitFor(t, "conversation_started delivered", func() bool {
		for _, dl := range d.bot.deliveries() {
			if dl.Event == "conversation_started" && dl.ConversationID == conv.ID {
				return true
			}
		}
		return false
	})
	d.visitorSays(v, conv.ID, "m1", "hello")
	visitorWS.NoFrameBefore(testkit.OfType("conversation"), func(f testkit.Frame) bool {
		var m struct {
			Message testkit.Message `json:"message"`
		}
		if f.Type() != "message" {
			return false
		}
		f.Decode(t, &m)
		return m.Message.Sender.Kind == "bot"
	})
	// Handed off, it reaches the online agent, and the agents see that live too.
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil, http.StatusOK, nil)
	for who, ws := range map[string]*testkit.WS{"agent": agentWS, "admin": adminWS} {
		if ev, c := convFrame(t, ws, conv.ID); ev != "assigned" || c.Status != "assigned" || c.AssigneeID() != agent.UserID {
			t.Fatalf("%s got %s %+v after the hand-off", who, ev, c)
		}
	}
}

func TestBotHandoffWithNobodyOnlineIsSeenQueued(t *testing.T) {
	d := newBotDesk(t, 1)
	agentWS := d.agents[0].Dial()
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	if ev, c := convFrame(t, agentWS, conv.ID); ev != "opened" || c.Status != "bot" {
		t.Fatalf("got %s %+v", ev, c)
	}
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil, http.StatusOK, nil)
	if ev, c := convFrame(t, agentWS, conv.ID); ev != "queued" || c.Status != "queued" || c.QueuePosition == nil || *c.QueuePosition != 1 {
		t.Fatalf("got %s %+v after the hand-off", ev, c)
	}
}
