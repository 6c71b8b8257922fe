package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
)

// The chaos test's timing: a minute of traffic and faults, then the
// system settles. The delays are short so that every kind of delayed job
// falls due (many times) within the minute.
const (
	chaosFor         = 60 * time.Second
	chaosAssignAfter = 5 // seconds: the queue's assignment time-out
	chaosEnvDelays   = "PARLEY_OFFLINE_NOTIFY_DELAY=4s PARLEY_AGENT_NOTIFY_DELAY=3s PARLEY_VISITOR_NOTIFY_DELAY=4s PARLEY_RED_PACKET_TTL=8s"
)

// TestChaosLosesNothingAndDoesEachJobOnce runs two `parley serve`
// processes on one PostgreSQL database and a Redis server of the test's
// own, drives a minute of mixed traffic at them (direct chats over
// WebSocket and REST, a group, red packets grabbed or left to expire,
// customer service with assignment time-outs and follow-up mails, offline
// digests, webhooks to a local receiver) and meanwhile, at random moments,
// SIGKILLs a node and starts it again, restarts Redis empty, and cuts every
// PostgreSQL connection. Clients move to the surviving node and resend
// what got no answer with the same client_msg_id. Once it settles: every
// acknowledged message is stored once, every due job is done, every
// webhook event arrived (twice only where a node was killed between its
// first arrival and the next), every digest and follow-up mail went out
// (twice only where a node was killed between the two, with one
// Message-ID), the wallets balance, and no conversation stays with an agent past
// its assignment time-out.
func TestChaosLosesNothingAndDoesEachJobOnce(t *testing.T) {
	base := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("the chaos test needs PARLEY_TEST_DATABASE_URL: two nodes share a server database (embedded mode has none)")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("the chaos test starts a Redis server of its own and needs redis-server: %v", err)
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("PARLEY_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("chaos seed %d (set PARLEY_CHAOS_SEED to replay the same choices)", seed)
	rng := rand.New(rand.NewSource(seed))

	bin := filepath.Join(t.TempDir(), "parley")
	build := exec.Command("go", "build", "-o", bin, "github.com/parley-chat/parley/cmd/parley")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	rds := startRedis(t, redisBin)
	dbURL := testkit.FreshPostgres(t, base)
	dbName := strings.TrimPrefix(mustParse(t, dbURL).Path, "/")
	hook := newHookReceiver()
	t.Cleanup(hook.srv.Close)

	env := []string{"PARLEY_SECRET=chaos-" + fmt.Sprint(seed), "PARLEY_AUTO_MIGRATE=true", "PARLEY_LOG_LEVEL=info",
		"PARLEY_DATABASE_URL=" + dbURL, "PARLEY_REDIS_URL=redis://" + rds.addr, "PARLEY_REDIS_PREFIX=chaos:",
		"PARLEY_OUTBOUND_ALLOW=127.0.0.1/32", "PARLEY_AGENT_GRACE=10m",
		"PARLEY_LOGIN_LIMIT_PER_IP=100000", "PARLEY_LOGIN_LIMIT_PER_ACCOUNT=100000", "PARLEY_SEND_LIMIT_PER_MINUTE=100000",
		"PARLEY_TICKET_LIMIT_PER_MINUTE=100000", "PARLEY_WIDGET_SESSION_LIMIT_PER_IP=100000",
		"PARLEY_FRIEND_REQUEST_LIMIT_PER_HOUR=100000", "PARLEY_GROUP_JOIN_LIMIT_PER_HOUR=100000", "PARLEY_WS_SEND_FRAMES_PER_SECOND=1000"}
	env = append(env, strings.Fields(chaosEnvDelays)...)
	logDir := t.TempDir()
	cl := &cluster{}
	for i := range cl.nodes {
		cl.nodes[i] = serveOn(t, bin, t.TempDir(), logDir, env)
		cl.up[i] = true
	}

	// Setup, on node 0, before any fault.
	srv := testkit.Remote(t, cl.nodes[0].url)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	carol, dave, erin := srv.NewUser(admin, "carol"), srv.NewUser(admin, "dave"), srv.NewUser(admin, "erin")
	srv.MakeFriends(alice, bob)
	srv.MakeFriends(carol, dave)
	wsConv := alice.OpenDirect(bob.UserID).ID
	restConv := carol.OpenDirect(dave.UserID).ID
	var group struct {
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	carol.Do("POST", "/api/v1/groups", map[string]string{"name": "Chaos", "join_policy": "open"}, http.StatusCreated, &group)
	for _, m := range []*testkit.Client{dave, erin} {
		m.Do("POST", "/api/v1/groups/join", map[string]any{"number": group.Number}, http.StatusOK, nil)
	}
	for _, u := range []*testkit.Client{carol, dave, erin} {
		admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", u.UserID), map[string]any{"amount_cents": 100000, "note": "chaos"}, http.StatusCreated, nil)
	}
	// Digest recipients: each is written to once and never comes online.
	const digests = 20
	dan := srv.NewUser(admin, "dan")
	digestConvs := make([]int64, digests)
	for i := range digestConvs {
		r := srv.NewUser(admin, fmt.Sprintf("dg%02d", i))
		srv.MakeFriends(dan, r)
		digestConvs[i] = dan.OpenDirect(r.UserID).ID
	}
	// Customer service: a site with a webhook, a queue with a short
	// assignment time-out, two agents online.
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", site.ID), map[string]any{"url": hook.srv.URL + "/hook"}, http.StatusCreated, nil)
	var queue struct {
		ID int64 `json:"id"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]any{"name": "Fast", "assign_timeout_s": chaosAssignAfter}, http.StatusCreated, &queue)
	agents := map[int64]actor{}
	for _, name := range []string{"agent0", "agent1"} {
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
			"password": "password-" + name, "role": "agent", "verified": true}, http.StatusCreated, nil)
		a := srv.Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue.ID, a.UserID), map[string]int{"capacity": 100}, http.StatusNoContent, nil)
		a.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
		agents[a.UserID] = bearer(a)
	}

	// Traffic, from several goroutines, until stop closes; each one then
	// finishes what it has in flight.
	tr := &traffic{t: t, cl: cl, stop: make(chan struct{}), acked: map[int64]map[string]int{}}
	var wg sync.WaitGroup
	goTraffic := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	goTraffic(func() { tr.wsSender(bearer(alice), wsConv, "ws-") })
	goTraffic(func() { tr.restSender(bearer(carol), restConv, "cd-", 150*time.Millisecond) })
	goTraffic(func() { tr.restSender(bearer(dave), group.ConversationID, "gd-", 200*time.Millisecond) })
	goTraffic(func() { tr.restSender(bearer(erin), group.ConversationID, "ge-", 250*time.Millisecond) })
	goTraffic(func() {
		tr.redPackets(bearer(carol), []actor{bearer(dave), bearer(erin)}, group.ConversationID, rand.New(rand.NewSource(seed+1)))
	})
	goTraffic(func() { tr.digests(bearer(dan), digestConvs) })
	goTraffic(func() { tr.support(site.PublicKey, queue.ID, agents) })

	// Faults, at random moments, one at a time, from this goroutine: the
	// first three are one of each kind.
	var (
		kills                 []time.Time // when a node was killed
		redisRestarts, pgCuts int
		outbox                = newOutboxWatch(t, dbURL)
	)
	pgAdmin, err := store.Open(context.Background(), base, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgAdmin.Close() })
	kinds := []string{"kill", "redis", "pg"}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	end := time.Now().Add(chaosFor)
	next := time.Now().Add(time.Duration(2000+rng.Intn(3000)) * time.Millisecond)
	for n := 0; time.Now().Before(end); {
		outbox.poll()
		if time.Now().Before(next) {
			time.Sleep(200 * time.Millisecond) // pacing, not waiting for a condition
			continue
		}
		kind := []string{"kill", "kill", "redis", "pg", "pg"}[rng.Intn(5)]
		if n < len(kinds) {
			kind = kinds[n]
		}
		n++
		switch kind {
		case "kill":
			i := rng.Intn(2)
			cl.setUp(i, false)
			if err := cl.nodes[i].cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_, _ = cl.nodes[i].cmd.Process.Wait()
			kills = append(kills, time.Now())
			t.Logf("%s: SIGKILL node %d", time.Since(end.Add(-chaosFor)).Round(time.Millisecond), i)
			restarted := serveOn(t, bin, t.TempDir(), logDir, env)
			cl.replace(i, restarted)
		case "redis":
			rds.restart(t)
			redisRestarts++
			t.Logf("%s: Redis restarted empty", time.Since(end.Add(-chaosFor)).Round(time.Millisecond))
		case "pg":
			var cut int
			if err := pgAdmin.Gorm().Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()", dbName).Scan(&cut).Error; err != nil {
				t.Fatal(err)
			}
			pgCuts++
			t.Logf("%s: %d PostgreSQL connections cut", time.Since(end.Add(-chaosFor)).Round(time.Millisecond), cut)
		}
		next = time.Now().Add(time.Duration(3000+rng.Intn(4000)) * time.Millisecond)
	}
	close(tr.stop)
	wg.Wait()
	stopped := time.Now()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("traffic stopped after %s", time.Since(end.Add(-chaosFor)).Round(time.Millisecond))

	// Settle: poll for each condition with a deadline.
	settle := time.Now().Add(60 * time.Second)
	// Jobs whose task was running on a node when it was killed: asynq
	// hands such a task to another worker only once its lease has run out
	// and its recoverer, which looks every minute, finds it; they are
	// done, later than the rest, but not within the settling time.
	var recovering map[int64]overdueJob
	waitFor := func(what string, cond func() (bool, string)) {
		t.Helper()
		for {
			outbox.poll()
			ok, why := cond()
			if ok {
				t.Logf("%s: settled, %s after the traffic stopped", what, time.Since(stopped).Round(time.Millisecond))
				return
			}
			if time.Now().After(settle) {
				t.Fatalf("after the chaos, %s never settled: %s", what, why)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	// Every acknowledged message is stored once, and nothing else was.
	var acked, found, dups int
	readers := map[int64]actor{wsConv: bearer(alice), restConv: bearer(carol), group.ConversationID: bearer(carol)}
	for _, c := range digestConvs {
		readers[c] = bearer(dan)
	}
	for conv, ids := range tr.acked {
		stored := tr.stored(conv, readers[conv])
		for id := range ids {
			acked++
			switch stored[id] {
			case 0:
				t.Errorf("conversation %d: acknowledged message %s is not stored", conv, id)
			case 1:
				found++
			default:
				found++
				dups++
				t.Errorf("conversation %d: message %s stored %d times", conv, id, stored[id])
			}
		}
		for id := range stored {
			// System messages (joins, time-out moves) carry ids of the
			// server's own, "sys-…".
			if id != "" && !strings.HasPrefix(id, "sys-") && ids[id] == 0 {
				t.Errorf("conversation %d: message %s stored but never acknowledged", conv, id)
			}
		}
	}

	// Every webhook event arrived; every due job is done; every packet
	// that expired was refunded; no assignment outlives its time-out.
	waitFor("webhook events", func() (bool, string) {
		ids := outbox.deliveries()
		missing := 0
		for _, id := range ids {
			if hook.count(id) == 0 {
				missing++
			}
		}
		return missing == 0, fmt.Sprintf("%d of %d deliveries never arrived", missing, len(ids))
	})
	waitFor("due jobs", func() (bool, string) {
		var late []overdueJob
		recovering = map[int64]overdueJob{}
		for _, j := range outbox.overdue(20 * time.Second) {
			if rds.heldForADeadWorker(j) && killedBetween(kills, j.RunAt, time.Now()) {
				recovering[j.ID] = j
			} else {
				late = append(late, j)
			}
		}
		return len(late) == 0, fmt.Sprintf("%d jobs pending 20 s past their time: %s", len(late), rds.describe(late))
	})
	for _, j := range recovering {
		t.Logf("job %d (%s, due %s) was running on a killed node: asynq gives it to another once its lease runs out",
			j.ID, j.Type, j.RunAt.Format("15:04:05.000"))
	}
	waitFor("red packet refunds", func() (bool, string) {
		n := outbox.unrefunded()
		return n == 0, fmt.Sprintf("%d red packets, left to expire, still hold money", n)
	})
	waitFor("assignment time-outs", func() (bool, string) {
		var stale []int64
		for _, conv := range outbox.staleAssignments(time.Duration(chaosAssignAfter)*time.Second + 3*time.Second) {
			if !timeoutRecovering(recovering, conv) {
				stale = append(stale, conv)
			}
		}
		return len(stale) == 0, fmt.Sprintf("conversations %v assigned longer than the %d s time-out", stale, chaosAssignAfter)
	})
	expect := tr.expectedMails()
	waitFor("mails", func() (bool, string) {
		got := countMails(t, logDir, expect)
		for marker, e := range expect {
			if len(got[marker]) < e.min {
				return false, fmt.Sprintf("no %s mail with %s", e.kind, marker)
			}
		}
		return true, ""
	})
	// Repeats: the relay hands again, 15 s after the last hand-over,
	// what is not done; wait that out before counting.
	quiet := stopped.Add(16 * time.Second)
	for time.Now().Before(quiet) {
		outbox.poll()
		time.Sleep(500 * time.Millisecond) // let any repeat happen: there is no condition to wait for
	}
	// At least once: a mail repeats only when the node that sent it was
	// killed before its job was marked done (between the two arrivals),
	// and the repeat has the first one's Message-ID.
	got := countMails(t, logDir, expect)
	mailsSent, mailDups := 0, 0
	for marker, e := range expect {
		sent := got[marker]
		mailsSent += len(sent)
		if len(sent) < e.min {
			t.Errorf("no %s mail with %s", e.kind, marker)
		}
		if len(sent) <= 1 {
			continue
		}
		mailDups += len(sent) - 1
		first, last := sent[0], sent[len(sent)-1]
		switch {
		case !killedBetween(kills, first.Time, last.Time):
			t.Errorf("%d %s mails with %s (%s … %s) with no kill in between", len(sent), e.kind, marker, first.Time, last.Time)
		case !sameMessageID(sent):
			t.Errorf("%d %s mails with %s with different Message-IDs", len(sent), e.kind, marker)
		default:
			t.Logf("%s mail with %s sent %d times, a node killed in between", e.kind, marker, len(sent))
		}
	}
	hookEvents, hookDups := 0, 0
	for _, id := range outbox.deliveries() {
		hookEvents++
		times := hook.times(id)
		if len(times) <= 1 {
			continue
		}
		hookDups += len(times) - 1
		// Posted, answered 2xx, and the node killed before it recorded
		// that: the retry posts it again. Nothing else may repeat it.
		if !killedBetween(kills, times[0], times[len(times)-1]) {
			t.Errorf("webhook delivery %d arrived %d times (%v) with no kill in between", id, len(times), times)
		} else {
			t.Logf("webhook delivery %d arrived %d times, a node killed in between", id, len(times))
		}
	}
	out, err := exec.Command(bin, "admin", "audit-wallets", "--data-dir", t.TempDir(), "--database-url", dbURL, "--redis-url", "redis://"+rds.addr, "--redis-prefix", "chaos:").CombinedOutput()
	if err != nil {
		t.Errorf("wallet audit: %v\n%s", err, out)
	}
	jobsDue, done := outbox.counts()
	jobsDone := fmt.Sprintf("%d (and %d held for a killed node)", done, len(recovering))
	t.Logf("messages acked %d, found %d, duplicates %d; jobs due %d, done %s; webhook events %d, duplicates %d; "+
		"mails %d, duplicates %d; red packets %d sent, %d grabs; kills %d, Redis restarts %d, PostgreSQL cuts %d; answers retried by clients: %v; wallet audit: %s",
		acked, found, dups, jobsDue, jobsDone, hookEvents, hookDups, mailsSent, mailDups, tr.packets, tr.grabs,
		len(kills), redisRestarts, pgCuts, tr.errs5xx, strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; "))
	if len(kills) == 0 || redisRestarts == 0 || pgCuts == 0 {
		t.Errorf("not every fault happened: %d kills, %d Redis restarts, %d cuts", len(kills), redisRestarts, pgCuts)
	}
}

// cluster is the two nodes; a killed node is replaced by a new process on
// a new port.
type cluster struct {
	mu    sync.Mutex
	nodes [2]*node
	up    [2]bool
}

func (c *cluster) setUp(i int, up bool) { c.mu.Lock(); c.up[i] = up; c.mu.Unlock() }

func (c *cluster) replace(i int, n *node) {
	c.mu.Lock()
	c.nodes[i], c.up[i] = n, true
	c.mu.Unlock()
}

// url is node i's address if it is up, else the other's.
func (c *cluster) url(i int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up[i%2] {
		i++
	}
	return c.nodes[i%2].url
}

// actor is a caller's credentials.
type actor struct{ token, scheme string }

func bearer(c *testkit.Client) actor { return actor{token: c.Token, scheme: "Bearer"} }

var chaosHTTP = &http.Client{Timeout: 15 * time.Second}

// call makes one request to node pref (or the other, if it is down).
func (c *cluster) call(pref int, who actor, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url(pref)+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if who.token != "" {
		req.Header.Set("Authorization", who.scheme+" "+who.token)
	}
	resp, err := chaosHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %v", b, err)
		}
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, fmt.Errorf("%s %s → %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.StatusCode, nil
}

// traffic is the clients' side of the chaos.
type traffic struct {
	t    *testing.T
	cl   *cluster
	stop chan struct{}

	mu      sync.Mutex
	acked   map[int64]map[string]int // conversation → client_msg_id → acks
	answers map[int64]supportCase
	errs5xx map[int]int
	packets int
	grabs   int
	digestN int
}

// supportCase is one visitor's conversation.
type supportCase struct {
	visitor  actor
	question string // the visitor's message (and marker)
	answer   string // the agent's reply, "" when left unanswered
	email    bool   // whether the visitor left an address
}

func (tr *traffic) stopped() bool {
	select {
	case <-tr.stop:
		return true
	default:
		return false
	}
}

func (tr *traffic) ack(conv int64, id string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.acked[conv] == nil {
		tr.acked[conv] = map[string]int{}
	}
	tr.acked[conv][id]++
}

// retry repeats a request, on either node, until it gets an answer that
// is not a server error or a lost connection (then it returns that
// status), for at most 45 s. A real client does the same, with the same
// client_msg_id.
func (tr *traffic) retry(who actor, method, path string, body, out any) (int, error) {
	deadline := time.Now().Add(45 * time.Second)
	for i := 0; ; i++ {
		status, err := tr.cl.call(i, who, method, path, body, out)
		if err == nil || (status >= 400 && status < 500) {
			return status, err
		}
		if status >= 500 {
			tr.mu.Lock()
			if tr.errs5xx == nil {
				tr.errs5xx = map[int]int{}
			}
			tr.errs5xx[status]++
			tr.mu.Unlock()
			if status != http.StatusServiceUnavailable {
				tr.t.Logf("answered %d (retried): %v", status, err)
			}
		}
		if time.Now().After(deadline) {
			return status, fmt.Errorf("no answer for 45 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // back-off between attempts
	}
}

// send posts a text message until it is acknowledged.
func (tr *traffic) send(who actor, conv int64, id, body string) bool {
	_, err := tr.retry(who, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv),
		map[string]string{"client_msg_id": id, "kind": "text", "body": body}, nil)
	if err != nil {
		tr.t.Errorf("send %s: %v", id, err)
		return false
	}
	tr.ack(conv, id)
	return true
}

func (tr *traffic) restSender(who actor, conv int64, prefix string, every time.Duration) {
	for i := 0; !tr.stopped(); i++ {
		id := fmt.Sprintf("%s%04d", prefix, i)
		if !tr.send(who, conv, id, "chaos "+id) {
			return
		}
		time.Sleep(every) // pacing
	}
}

// wsSender sends over a WebSocket with up to 8 sends in flight; when its
// node dies it dials the other and resends every unacknowledged message.
func (tr *traffic) wsSender(who actor, conv int64, prefix string) {
	var (
		conn    *websocket.Conn
		sent    []string
		pending = map[string]bool{}
		node    = 0
	)
	dial := func() error {
		var tk struct {
			Ticket string `json:"ticket"`
		}
		if _, err := tr.retry(who, "POST", "/api/v1/realtime/ticket", nil, &tk); err != nil {
			return err
		}
		u := "ws" + strings.TrimPrefix(tr.cl.url(node), "http") + "/ws?ticket=" + tk.Ticket
		c, _, err := websocket.DefaultDialer.Dial(u, nil)
		if err != nil {
			return err
		}
		conn = c
		return nil
	}
	write := func(id string) error {
		return conn.WriteJSON(map[string]any{"type": "send", "client_msg_id": id, "conversation_id": conv, "kind": "text", "body": "chaos " + id})
	}
	deadline := time.Time{}
	for i := 0; ; {
		if conn == nil {
			if err := dial(); err != nil {
				node++
				if time.Since(deadline) > 0 && !deadline.IsZero() {
					tr.t.Errorf("websocket: %v", err)
					return
				}
				time.Sleep(200 * time.Millisecond) // back-off between dials
				continue
			}
			for _, id := range sent {
				if pending[id] {
					_ = write(id)
				}
			}
		}
		if tr.stopped() {
			if len(pending) == 0 {
				conn.Close()
				return
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(45 * time.Second)
			} else if time.Now().After(deadline) {
				tr.t.Errorf("websocket: %d messages never acknowledged", len(pending))
				return
			}
		} else {
			for len(pending) < 8 {
				id := fmt.Sprintf("%s%05d", prefix, i)
				i++
				sent, pending[id] = append(sent, id), true
				if write(id) != nil {
					break
				}
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		var f struct {
			Type        string `json:"type"`
			Code        string `json:"code"`
			ClientMsgID string `json:"client_msg_id"`
		}
		if err := conn.ReadJSON(&f); err != nil {
			// Gone or silent: move to the other node and resend.
			conn.Close()
			conn, node = nil, node+1
			continue
		}
		switch {
		case f.Type == "ack" && pending[f.ClientMsgID]:
			delete(pending, f.ClientMsgID)
			tr.ack(conv, f.ClientMsgID)
		case f.Type == "error" && f.ClientMsgID != "" && pending[f.ClientMsgID]:
			if f.Code != "unavailable" && f.Code != "internal" {
				tr.t.Errorf("websocket send %s: %s", f.ClientMsgID, f.Code)
				return
			}
			_ = write(f.ClientMsgID)
		}
	}
}

// redPackets has sender send a packet of three shares every second; each
// grabber takes a share with probability one half, so some packets expire
// with money left, which must go back to the sender.
func (tr *traffic) redPackets(sender actor, grabbers []actor, conv int64, rng *rand.Rand) {
	for i := 0; !tr.stopped(); i++ {
		var sent struct {
			RedPacket struct {
				ID int64 `json:"id"`
			} `json:"red_packet"`
		}
		id := fmt.Sprintf("rp-%04d", i)
		if _, err := tr.retry(sender, "POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", conv),
			map[string]any{"total_cents": 300, "count": 3, "kind": "equal", "greeting": "chaos", "client_msg_id": id}, &sent); err != nil {
			tr.t.Errorf("red packet %s: %v", id, err)
			return
		}
		tr.ack(conv, id)
		tr.mu.Lock()
		tr.packets++
		tr.mu.Unlock()
		for _, g := range grabbers {
			if rng.Intn(2) == 0 {
				continue
			}
			// A retried grab whose first answer was lost is refused
			// (already grabbed): the share was taken once.
			status, err := tr.retry(g, "POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", sent.RedPacket.ID), nil, nil)
			if err != nil && (status < 400 || status >= 500) {
				tr.t.Errorf("grab packet %d: %v", sent.RedPacket.ID, err)
				return
			}
			if err == nil {
				tr.mu.Lock()
				tr.grabs++
				tr.mu.Unlock()
			}
		}
		time.Sleep(time.Second) // pacing
	}
}

// digests writes one message to each offline recipient in turn.
func (tr *traffic) digests(sender actor, convs []int64) {
	for i := 0; i < len(convs) && !tr.stopped(); i++ {
		id := fmt.Sprintf("dg-marker-%02d", i)
		if !tr.send(sender, convs[i], id, "offline "+id) {
			return
		}
		tr.mu.Lock()
		tr.digestN = i + 1
		tr.mu.Unlock()
		time.Sleep(2500 * time.Millisecond) // pacing
	}
}

// support brings a visitor every 800 ms who opens a conversation and asks
// a question; every other one leaves an address and is answered by the
// assignee at once (and should get the reply by mail); the others stay
// unanswered (the agents should be mailed, and the conversation move on
// at each time-out).
func (tr *traffic) support(siteKey string, queueID int64, agents map[int64]actor) {
	tr.mu.Lock()
	tr.answers = map[int64]supportCase{}
	tr.mu.Unlock()
	for i := 0; !tr.stopped(); i++ {
		var sess testkit.VisitorSession
		if _, err := tr.retry(actor{}, "POST", "/api/v1/widget/session", map[string]any{"site_key": siteKey, "page_url": "http://127.0.0.1/demo"}, &sess); err != nil {
			tr.t.Errorf("widget session: %v", err)
			return
		}
		v := actor{token: sess.VisitorToken, scheme: "Visitor"}
		c := supportCase{visitor: v, question: fmt.Sprintf("vq-marker-%03d", i), email: i%2 == 0}
		if c.email {
			if _, err := tr.retry(v, "PATCH", "/api/v1/widget/visitor", map[string]string{"name": "V", "email": fmt.Sprintf("v%03d@example.com", i)}, nil); err != nil {
				tr.t.Errorf("visitor contact: %v", err)
				return
			}
		}
		var open struct {
			Conversation testkit.SupportConversation `json:"conversation"`
		}
		if _, err := tr.retry(v, "POST", "/api/v1/widget/conversations", map[string]any{"queue_id": queueID}, &open); err != nil {
			tr.t.Errorf("open support conversation: %v", err)
			return
		}
		conv := open.Conversation.ID
		if _, err := tr.retry(v, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv),
			map[string]string{"client_msg_id": c.question, "body": "question " + c.question}, nil); err != nil {
			tr.t.Errorf("visitor message: %v", err)
			return
		}
		tr.ack(conv, c.question)
		if a, ok := agents[open.Conversation.AssigneeID()]; ok && c.email {
			c.answer = fmt.Sprintf("va-marker-%03d", i)
			if !tr.send(a, conv, c.answer, "answer "+c.answer) {
				return
			}
		}
		tr.mu.Lock()
		tr.answers[conv] = c
		tr.mu.Unlock()
		time.Sleep(800 * time.Millisecond) // pacing
	}
}

// stored counts a conversation's messages by client_msg_id, as reader
// (a member) or, for a support conversation, its visitor sees them.
func (tr *traffic) stored(conv int64, reader actor) map[string]int {
	path := "/api/v1/conversations/%d/messages?after_seq=%d&limit=200"
	tr.mu.Lock()
	if c, ok := tr.answers[conv]; ok {
		reader, path = c.visitor, "/api/v1/widget/conversations/%d/messages?after_seq=%d&limit=200"
	}
	tr.mu.Unlock()
	stored := map[string]int{}
	for after := int64(0); ; {
		var page testkit.MessagePage
		if _, err := tr.retry(reader, "GET", fmt.Sprintf(path, conv, after), nil, &page); err != nil {
			tr.t.Errorf("history of conversation %d: %v", conv, err)
			return stored
		}
		for _, m := range page.Items {
			stored[m.ClientMsgID]++
			after = m.Seq
		}
		if len(page.Items) < 200 {
			return stored
		}
	}
}

// mailWant is what mails a marker should appear in.
type mailWant struct {
	kind string
	to   string
	min  int // 1: at least one; 0: none or some (a repeat only across a kill, as for every mail)
}

// expectedMails: a digest per recipient written to; a mail to the agents
// per unanswered question (an answered one may still be mailed if the
// answer took longer than the delay); a mail to each visitor with an
// address who was answered.
func (tr *traffic) expectedMails() map[string]mailWant {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	want := map[string]mailWant{}
	for i := 0; i < tr.digestN; i++ {
		want[fmt.Sprintf("dg-marker-%02d", i)] = mailWant{kind: "offline digest", to: fmt.Sprintf("dg%02d@example.com", i), min: 1}
	}
	for _, c := range tr.answers {
		if c.answer == "" {
			want[c.question] = mailWant{kind: "agents' follow-up", to: "@example.com", min: 1}
		} else {
			want[c.question] = mailWant{kind: "agents' follow-up", to: "@example.com", min: 0}
			want[c.answer] = mailWant{kind: "visitor's follow-up", to: "@example.com", min: 1}
		}
	}
	return want
}

// countMails lists, per marker, the mails to the right address whose text
// holds it, in the order they were logged.
func countMails(t *testing.T, logDir string, want map[string]mailWant) map[string][]loggedMail {
	all := mails(t, logDir, "-marker-")
	got := map[string][]loggedMail{}
	for _, m := range all {
		for marker, w := range want {
			if strings.Contains(m.Text, marker) && len(m.To) > 0 && strings.HasSuffix(m.To[0], w.to) {
				got[marker] = append(got[marker], m)
			}
		}
	}
	for _, ms := range got {
		sort.Slice(ms, func(i, j int) bool { return ms[i].Time.Before(ms[j].Time) })
	}
	return got
}

// sameMessageID reports whether the mails all carry one, non-empty
// Message-ID.
func sameMessageID(ms []loggedMail) bool {
	for _, m := range ms {
		if m.MessageID == "" || m.MessageID != ms[0].MessageID {
			return false
		}
	}
	return true
}

// killedBetween reports whether a node was killed between a and b (with
// a second of slack).
func killedBetween(kills []time.Time, a, b time.Time) bool {
	for _, f := range kills {
		if !f.Before(a.Add(-time.Second)) && !f.After(b.Add(time.Second)) {
			return true
		}
	}
	return false
}

// hookReceiver is a webhook endpoint that records when each delivery id
// arrived.
type hookReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[int64][]time.Time
}

func newHookReceiver() *hookReceiver {
	h := &hookReceiver{got: map[int64][]time.Time{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.Header.Get("X-Parley-Delivery"), 10, 64)
		if err != nil {
			http.Error(w, "no delivery id", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.got[id] = append(h.got[id], time.Now())
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	return h
}

func (h *hookReceiver) count(id int64) int { return len(h.times(id)) }

func (h *hookReceiver) times(id int64) []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.got[id]...)
}

// outboxWatch reads the database behind the nodes. Done outbox rows are
// deleted a minute after they are done, so it looks every second and
// remembers every job it saw.
type outboxWatch struct {
	t    *testing.T
	st   *store.Store
	seen map[int64]outboxRow
}

type outboxRow struct {
	ID     int64
	RunAt  time.Time
	DoneAt *time.Time
}

func newOutboxWatch(t *testing.T, dbURL string) *outboxWatch {
	st, err := store.Open(context.Background(), dbURL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &outboxWatch{t: t, st: st, seen: map[int64]outboxRow{}}
}

// poll records the outbox's rows; a failed read (a cut connection) is
// tried again at the next poll.
func (o *outboxWatch) poll() {
	var rows []outboxRow
	if err := o.st.Gorm().Raw("SELECT id, run_at, done_at FROM outbox_jobs").Scan(&rows).Error; err != nil {
		return
	}
	for _, r := range rows {
		if old, ok := o.seen[r.ID]; !ok || old.DoneAt == nil {
			o.seen[r.ID] = r
		}
	}
}

// counts are the jobs seen that fell due 20 s ago or more, and how many
// of those are done.
func (o *outboxWatch) counts() (due, done int) {
	cutoff := time.Now().Add(-20 * time.Second)
	for _, r := range o.seen {
		if r.RunAt.Before(cutoff) {
			due++
			if r.DoneAt != nil {
				done++
			}
		}
	}
	return due, done
}

// scalar reads one number, retrying a query on a cut connection.
func (o *outboxWatch) scalar(q string, args ...any) int {
	var n int
	for i := 0; ; i++ {
		err := o.st.Gorm().Raw(q, args...).Scan(&n).Error
		if err == nil {
			return n
		}
		if i == 20 {
			o.t.Fatalf("%s: %v", q, err)
		}
		time.Sleep(100 * time.Millisecond) // back-off before the next try
	}
}

// overdueJob is a job still pending after its time.
type overdueJob struct {
	ID        int64
	Type      string
	Queue     string
	RunAt     time.Time
	HandedAt  *time.Time
	Attempts  int
	LastError string
	Payload   string
}

func (o *outboxWatch) overdue(by time.Duration) []overdueJob {
	var rows []overdueJob
	for i := 0; ; i++ {
		err := o.st.Gorm().Raw("SELECT id, type, queue, run_at, handed_at, attempts, last_error, payload FROM outbox_jobs WHERE done_at IS NULL AND run_at < ?",
			time.Now().Add(-by).UTC()).Scan(&rows).Error
		if err == nil {
			return rows
		}
		if i == 20 {
			o.t.Fatalf("list overdue jobs: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // back-off before the next try
	}
}

func (o *outboxWatch) unrefunded() int {
	return o.scalar("SELECT count(*) FROM red_packets WHERE refunded_at IS NULL AND remaining_count > 0")
}

// staleAssignments are the conversations assigned, unanswered, for longer
// than older.
func (o *outboxWatch) staleAssignments(older time.Duration) []int64 {
	var ids []int64
	for i := 0; ; i++ {
		err := o.st.Gorm().Raw(`SELECT sc.conversation_id FROM support_conversations sc WHERE sc.status = 'assigned' AND sc.assigned_at < ?
		AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = sc.conversation_id AND m.sender_kind = 'user'
		AND m.sender_id = sc.assignee_id AND m.kind NOT IN ('note', 'system') AND m.created_at >= sc.assigned_at)`,
			time.Now().Add(-older).UTC()).Scan(&ids).Error
		if err == nil {
			return ids
		}
		if i == 20 {
			o.t.Fatalf("list assignments: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // back-off before the next try
	}
}

// timeoutRecovering reports whether conversation conv's assignment
// time-out is a job held for a killed node.
func timeoutRecovering(jobs map[int64]overdueJob, conv int64) bool {
	for _, j := range jobs {
		var p struct {
			ConversationID int64 `json:"conversation_id"`
		}
		if j.Type == "support:assign_timeout" && json.Unmarshal([]byte(j.Payload), &p) == nil && p.ConversationID == conv {
			return true
		}
	}
	return false
}

func (o *outboxWatch) deliveries() []int64 {
	var ids []int64
	for i := 0; ; i++ {
		err := o.st.Gorm().Raw("SELECT id FROM webhook_deliveries ORDER BY id").Scan(&ids).Error
		if err == nil {
			sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
			return ids
		}
		if i == 20 {
			o.t.Fatalf("list deliveries: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // back-off before the next try
	}
}

// testRedis is a redis-server of the test's own, on a free port.
type testRedis struct {
	bin, addr string
	cmd       *exec.Cmd
}

func startRedis(t *testing.T, bin string) *testRedis {
	r := &testRedis{bin: bin, addr: freePort(t)}
	r.start(t)
	t.Cleanup(func() { _ = r.cmd.Process.Kill(); _, _ = r.cmd.Process.Wait() })
	return r
}

func (r *testRedis) start(t *testing.T) {
	t.Helper()
	_, port, _ := strings.Cut(r.addr, ":")
	r.cmd = exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not answer")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// describe says, for a failure message, what each job is and what state
// its task is in, in Redis.
func (r *testRedis) describe(jobs []overdueJob) string {
	in := asynq.NewInspector(asynq.RedisClientOpt{Addr: r.addr})
	defer in.Close()
	var b strings.Builder
	for _, j := range jobs {
		state := "not in Redis"
		if ti, err := in.GetTaskInfo("chaos:"+j.Queue, strconv.FormatInt(j.ID, 10)); err == nil {
			state = fmt.Sprintf("%s (retried %d/%d, next %s, orphaned %v, last error %q)", ti.State, ti.Retried, ti.MaxRetry,
				ti.NextProcessAt.Format("15:04:05"), ti.IsOrphaned, ti.LastErr)
		}
		handed := "never"
		if j.HandedAt != nil {
			handed = j.HandedAt.Format("15:04:05.000")
		}
		fmt.Fprintf(&b, "\n  job %d %s due %s handed %s attempts %d error %q; task: %s", j.ID, j.Type, j.RunAt.Format("15:04:05.000"), handed, j.Attempts, j.LastError, state)
	}
	return b.String()
}

// heldForADeadWorker reports whether asynq holds job j's task for a
// worker that died: still active 20 s past its time (a task takes
// milliseconds), or waiting to be retried because its lease ran out.
func (r *testRedis) heldForADeadWorker(j overdueJob) bool {
	in := asynq.NewInspector(asynq.RedisClientOpt{Addr: r.addr})
	defer in.Close()
	ti, err := in.GetTaskInfo("chaos:"+j.Queue, strconv.FormatInt(j.ID, 10))
	if err != nil {
		return false
	}
	return ti.State == asynq.TaskStateActive || (ti.State == asynq.TaskStateRetry && strings.Contains(ti.LastErr, "lease expired"))
}

// restart kills Redis and starts it again, empty, on the same port.
func (r *testRedis) restart(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_, _ = r.cmd.Process.Wait()
	r.start(t)
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
