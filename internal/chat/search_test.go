package chat_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

type searchHit struct {
	ConversationID int64           `json:"conversation_id"`
	Seq            int64           `json:"seq"`
	Message        testkit.Message `json:"message"`
	Highlight      string          `json:"highlight"`
	Field          string          `json:"field"`
}

type searchPage struct {
	Items      []searchHit `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

func search(t *testing.T, c *testkit.Client, query string) searchPage {
	t.Helper()
	var p searchPage
	c.Do("GET", "/api/v1/search?"+query, nil, http.StatusOK, &p)
	return p
}

func q(text string) string { return "q=" + url.QueryEscape(text) }

// bodies lists the bodies of the hits, newest first.
func bodies(p searchPage) []string {
	out := make([]string, 0, len(p.Items))
	for _, h := range p.Items {
		out = append(out, h.Message.Body)
	}
	return out
}

func sameList(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// TestSearchFindsWordsInEveryLanguage sends messages in English, Chinese,
// Japanese and Korean and finds each by a part of it, with the match
// marked; other people's conversations, recalled messages and groups the
// user left never show.
func TestSearchFindsWordsInEveryLanguage(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, eve := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "eve")
	srv.MakeFriends(alice, bob)
	srv.MakeFriends(bob, eve)
	ab := alice.OpenDirect(bob.UserID)
	be := bob.OpenDirect(eve.UserID)

	alice.SendText(ab.ID, "en", "Shall we meet for Lunch on Friday? <b>bring</b> snacks")
	bob.SendText(ab.ID, "zh", "你好世界，明天见")
	alice.SendText(ab.ID, "ja", "東京で会いましょう")
	bob.SendText(ab.ID, "ko", "안녕하세요 반갑습니다")
	eve.SendText(be.ID, "secret", "lunch plans only bob and eve know")

	tests := []struct {
		name, query string
		want        []string
		highlight   string
	}{
		{"english word, any case", "LUNCH", []string{"Shall we meet for Lunch on Friday? <b>bring</b> snacks"},
			"Shall we meet for <mark>Lunch</mark> on Friday? &lt;b&gt;bring&lt;/b&gt; snacks"},
		{"chinese, two characters", "世界", []string{"你好世界，明天见"}, "你好<mark>世界</mark>，明天见"},
		{"chinese, four characters", "你好世界", []string{"你好世界，明天见"}, "<mark>你好世界</mark>，明天见"},
		{"japanese", "会いましょう", []string{"東京で会いましょう"}, "東京で<mark>会いましょう</mark>"},
		{"korean", "반갑습니다", []string{"안녕하세요 반갑습니다"}, "안녕하세요 <mark>반갑습니다</mark>"},
		{"one character", "見", nil, ""},
		{"nothing", "zebra", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := search(t, alice, q(tt.query))
			if !sameList(bodies(p), tt.want) {
				t.Fatalf("q=%s found %q, want %q", tt.query, bodies(p), tt.want)
			}
			if len(p.Items) > 0 {
				h := p.Items[0]
				if h.Highlight != tt.highlight || h.Field != "body" || h.ConversationID != ab.ID || h.Seq != h.Message.Seq {
					t.Fatalf("hit %+v, want highlight %q in conversation %d", h, tt.highlight, ab.ID)
				}
			}
		})
	}

	t.Run("another user's conversation is not searched", func(t *testing.T) {
		if got := bodies(search(t, alice, q("lunch plans"))); len(got) != 0 {
			t.Fatalf("alice found %q in bob and eve's conversation", got)
		}
		if got := bodies(search(t, eve, q("lunch"))); !sameList(got, []string{"lunch plans only bob and eve know"}) {
			t.Fatalf("eve found %q", got)
		}
		r := alice.Raw("GET", fmt.Sprintf("/api/v1/search?q=lunch&conversation_id=%d", be.ID), nil)
		if r.Status != http.StatusNotFound || r.ErrorCode() != "conversation_not_found" {
			t.Fatalf("filter on someone else's conversation: %d %s", r.Status, r.Body)
		}
	})

	t.Run("filters by conversation and sender", func(t *testing.T) {
		got := bodies(search(t, bob, fmt.Sprintf("%s&conversation_id=%d", q("lunch"), be.ID)))
		if !sameList(got, []string{"lunch plans only bob and eve know"}) {
			t.Fatalf("bob in his chat with eve found %q", got)
		}
		got = bodies(search(t, bob, fmt.Sprintf("%s&sender_id=%d", q("lunch"), alice.UserID)))
		if !sameList(got, []string{"Shall we meet for Lunch on Friday? <b>bring</b> snacks"}) {
			t.Fatalf("bob's search for alice's messages found %q", got)
		}
	})

	t.Run("a recalled message is not found", func(t *testing.T) {
		m := alice.SendText(ab.ID, "oops", "wrong chat, forget this pineapple")
		if got := bodies(search(t, bob, q("pineapple"))); len(got) != 1 {
			t.Fatalf("before recall found %q", got)
		}
		alice.Do("POST", fmt.Sprintf("/api/v1/messages/%d/recall", m.ID), nil, http.StatusOK, nil)
		for _, text := range []string{"pineapple", "pi"} {
			if got := bodies(search(t, bob, q(text))); len(got) != 0 {
				t.Fatalf("after recall q=%s found %q", text, got)
			}
		}
	})

	t.Run("a group the user left", func(t *testing.T) {
		var g struct {
			ID             int64 `json:"id"`
			Number         int64 `json:"number"`
			ConversationID int64 `json:"conversation_id"`
		}
		alice.Do("POST", "/api/v1/groups", map[string]any{"name": "Hikers", "join_policy": "open"}, http.StatusCreated, &g)
		eve.Do("POST", "/api/v1/groups/join", map[string]any{"number": g.Number}, http.StatusOK, nil)
		alice.SendText(g.ConversationID, "g1", "trailhead at seven")
		if got := bodies(search(t, eve, q("trailhead"))); len(got) != 1 {
			t.Fatalf("member eve found %q", got)
		}
		eve.Do("POST", fmt.Sprintf("/api/v1/groups/%d/leave", g.ID), nil, http.StatusNoContent, nil)
		alice.SendText(g.ConversationID, "g2", "trailhead moved to eight")
		if got := bodies(search(t, eve, q("trailhead"))); len(got) != 0 {
			t.Fatalf("eve found %q after leaving", got)
		}
		if got := bodies(search(t, alice, q("trailhead"))); !sameList(got, []string{"trailhead moved to eight", "trailhead at seven"}) {
			t.Fatalf("alice found %q", got)
		}
	})

	t.Run("file names", func(t *testing.T) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "季度报告-Quarterly.txt")
		fw.Write([]byte("numbers and more numbers\n"))
		w.Close()
		var up struct {
			ID int64 `json:"id"`
		}
		r := alice.Raw("POST", "/api/v1/uploads", buf.Bytes(), "Content-Type", w.FormDataContentType())
		if r.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &up)
		alice.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", ab.ID),
			map[string]any{"client_msg_id": "f1", "kind": "file", "attachment_id": up.ID}, http.StatusCreated, nil)
		for _, text := range []string{"quarterly", "报告"} {
			p := search(t, bob, q(text))
			if len(p.Items) != 1 || p.Items[0].Field != "file_name" || !strings.Contains(p.Items[0].Highlight, "<mark>") || p.Items[0].Message.Kind != "file" {
				t.Fatalf("q=%s found %+v", text, p.Items)
			}
		}
	})
}

// TestSearchPagesNewestFirst pages through more hits than one page holds.
func TestSearchPagesNewestFirst(t *testing.T) {
	_, alice, bob, conv := pair(t)
	var want []string
	for i := 1; i <= 7; i++ {
		body := fmt.Sprintf("weekly report %d", i)
		alice.SendText(conv.ID, fmt.Sprintf("w%d", i), body)
		want = append([]string{body}, want...)
	}
	bob.SendText(conv.ID, "other", "nothing to see")
	var got []string
	query := q("report") + "&limit=3"
	pages := 0
	for {
		p := search(t, bob, query)
		pages++
		got = append(got, bodies(p)...)
		if p.NextCursor == nil {
			break
		}
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
		query = q("report") + "&limit=3&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	if !sameList(got, want) || pages != 3 {
		t.Fatalf("%d pages with %q, want 3 with %q", pages, got, want)
	}
}

// TestSearchRefusesBadInputAndFloods checks the bounds: q is required,
// at most 200 characters, valid text; limit ≤ 50; the cursor is ours; and
// a flood gets 429 with Retry-After.
func TestSearchRefusesBadInputAndFloods(t *testing.T) {
	_, alice, _, _ := pair(t, testkit.WithConfig(func(c *config.Config) { c.SearchLimitPerMinute = 12 }))
	tests := []struct{ name, query, field string }{
		{"no q", "", "q"},
		{"blank q", "q=%20%20", "q"},
		{"q too long", q(strings.Repeat("字", 201)), "q"},
		{"q with NUL", "q=a%00b", "q"},
		{"q not UTF-8", "q=%FF%FE", "q"},
		{"limit too big", "q=abc&limit=51", "limit"},
		{"limit zero", "q=abc&limit=0", "limit"},
		{"bad cursor", "q=abc&cursor=nope", "cursor"},
		{"bad conversation", "q=abc&conversation_id=x", "conversation_id"},
		{"bad sender", "q=abc&sender_id=-2", "sender_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := alice.Raw("GET", "/api/v1/search?"+tt.query, nil)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+tt.field+`"`) {
				t.Fatalf("%s → %d %s, want 400 naming %s", tt.query, r.Status, r.Body, tt.field)
			}
		})
	}
	for _, p := range []string{"/api/v1/conversations?q=bob", "/api/v1/conversations/1/messages?q=hi"} {
		if r := alice.Raw("GET", p, nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"q"`) {
			t.Fatalf("GET %s → %d %s, want 400 naming q", p, r.Status, r.Body)
		}
	}
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		r := alice.Raw("GET", "/api/v1/search?q=hello", nil)
		switch r.Status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			limited = r.Header.Get("Retry-After") != "" && r.ErrorCode() == "rate_limited"
			if !limited {
				t.Fatalf("429 without Retry-After or code: %v %s", r.Header, r.Body)
			}
		default:
			t.Fatalf("search %d: %d %s", i, r.Status, r.Body)
		}
	}
	if !limited {
		t.Fatal("20 searches in a row at 12 a minute were never refused")
	}
}

// TestSearchFindsSupportMessagesOnlyForTheSiteStaff has a visitor write to
// one site: its agent and the admin find the message, the agent of another
// site and a plain user do not, and the agent no longer does once out of
// the site's queues.
func TestSearchFindsSupportMessagesOnlyForTheSiteStaff(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	type site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	var acme, other site
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &acme)
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	agent := func(name string, queue int64) *testkit.Client {
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
			"password": "password-" + name, "role": "agent", "verified": true}, http.StatusCreated, nil)
		a := srv.Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue, a.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
		return a
	}
	ann, otto := agent("ann", acme.Queues[0].ID), agent("otto", other.Queues[0].ID)
	plain := srv.NewUser(admin, "pat")
	v, _ := srv.NewVisitor(acme.PublicKey, nil)
	conv := v.Open(nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID),
		map[string]string{"client_msg_id": "v1", "kind": "text", "body": "我想退款 please refund order 42"}, http.StatusCreated, nil)

	for _, text := range []string{"refund", "退款"} {
		for name, c := range map[string]*testkit.Client{"ann": ann, "admin": admin} {
			if p := search(t, c, q(text)); len(p.Items) != 1 || p.Items[0].ConversationID != conv.ID {
				t.Fatalf("%s searching %s found %+v", name, text, p.Items)
			}
		}
		for name, c := range map[string]*testkit.Client{"otto": otto, "pat": plain} {
			if got := bodies(search(t, c, q(text))); len(got) != 0 {
				t.Fatalf("%s searching %s found %q", name, text, got)
			}
		}
	}
	admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", acme.Queues[0].ID, ann.UserID), nil, http.StatusNoContent, nil)
	if got := bodies(search(t, ann, q("refund"))); len(got) != 0 {
		t.Fatalf("ann found %q after leaving the site's queue", got)
	}
}

// TestSearchReachesPastTheNewestMessages finds an old hit under more than
// two thousand newer messages (past the window of the newest messages a
// search reads first), merged newest first with a new hit from another
// conversation, page by page; the same word in a conversation the user
// cannot read never shows, old or new.
func TestSearchReachesPastTheNewestMessages(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.SendLimitPerMinute = 100000 }))
	admin := srv.Setup()
	alice, bob, carol, eve := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol"), srv.NewUser(admin, "eve")
	srv.MakeFriends(alice, bob)
	srv.MakeFriends(alice, carol)
	srv.MakeFriends(bob, eve)
	ab, ac, be := alice.OpenDirect(bob.UserID), alice.OpenDirect(carol.UserID), bob.OpenDirect(eve.UserID)

	eve.SendText(be.ID, "secret-old", "the lighthouse code is 1234 灯塔")
	bob.SendText(ab.ID, "old", "the old lighthouse map 灯塔")
	// Newer messages than the window holds, in both of alice's chats,
	// sent a few at a time.
	const filler = 2100
	var wg sync.WaitGroup
	failed := make(chan string, filler)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < filler; i += 6 {
				from, conv := alice, ab
				if i%2 == 1 {
					from, conv = carol, ac
				}
				r := from.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID),
					map[string]string{"client_msg_id": fmt.Sprintf("f%d", i), "kind": "text", "body": fmt.Sprintf("filler %d", i)})
				if r.Status != http.StatusCreated {
					failed <- fmt.Sprintf("filler %d: %d %s", i, r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Fatal(f)
	}
	carol.SendText(ac.ID, "new", "the lighthouse keeper waves 灯塔")
	eve.SendText(be.ID, "secret-new", "lighthouse party tonight 灯塔")

	want := []string{"the lighthouse keeper waves 灯塔", "the old lighthouse map 灯塔"}
	for _, text := range []string{"lighthouse", "灯塔"} {
		if got := bodies(search(t, alice, q(text))); !sameList(got, want) {
			t.Fatalf("q=%s found %q, want %q", text, got, want)
		}
		var got []string
		query := q(text) + "&limit=1"
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatalf("q=%s: the cursor never ends", text)
			}
			p := search(t, alice, query)
			got = append(got, bodies(p)...)
			if p.NextCursor == nil {
				break
			}
			query = q(text) + "&limit=1&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		if !sameList(got, want) {
			t.Fatalf("q=%s page by page found %q, want %q", text, got, want)
		}
	}
	got := bodies(search(t, alice, fmt.Sprintf("%s&conversation_id=%d", q("lighthouse"), ab.ID)))
	if !sameList(got, want[1:]) {
		t.Fatalf("in the chat with bob found %q, want %q", got, want[1:])
	}
	got = bodies(search(t, bob, q("lighthouse")))
	if !sameList(got, []string{"lighthouse party tonight 灯塔", "the old lighthouse map 灯塔", "the lighthouse code is 1234 灯塔"}) {
		t.Fatalf("bob found %q", got)
	}
}
