package app_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

// serveOn starts `parley serve` on dataDir (which may outlive it, for a
// restart), logging to a new file in logDir, and waits until it is ready.
// Its log is shown when the test fails.
func serveOn(t *testing.T, bin, dataDir, logDir string, env []string) *node {
	t.Helper()
	addr := freePort(t)
	logf, err := os.CreateTemp(logDir, "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir, "--public-url", "http://"+addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &node{cmd: cmd, url: "http://" + addr, log: logf}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("log of %s:\n%s", p.url, b)
		}
		logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r, err := http.Get(p.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley serve not ready:\n%s", allLogs(t, logDir))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the process with sig and waits for it.
func (p *node) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = p.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("parley serve did not stop on %v", sig)
	}
}

func allLogs(t *testing.T, logDir string) string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(logDir, "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.Write(data)
	}
	return b.String()
}

// loggedMail is a mail the log mailer printed.
type loggedMail struct {
	Time      time.Time `json:"time"`
	To        []string  `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	MessageID string    `json:"message_id"`
}

// mails lists the mails every run of the node printed whose text holds
// marker.
func mails(t *testing.T, logDir, marker string) []loggedMail {
	var out []loggedMail
	sc := bufio.NewScanner(strings.NewReader(allLogs(t, logDir)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
			loggedMail
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "mail" && strings.Contains(line.Text, marker) {
			out = append(out, line.loggedMail)
		}
	}
	return out
}

// TestTimersSurviveARestart decides one of each delayed job (an offline
// digest, the agents' and the visitor's follow-up mails, an assignment
// time-out, a red packet's refund), stops `parley serve` before any is
// due (SIGTERM, and SIGKILL), starts it again on the same data dir, and
// checks that each takes effect once, at its time. Without
// PARLEY_TEST_DATABASE_URL this is embedded mode: SQLite, and the job
// queue in an in-process Redis that the restart empties.
func TestTimersSurviveARestart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "parley")
	build := exec.Command("go", "build", "-o", bin, "github.com/parley-chat/parley/cmd/parley")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) { timersSurvive(t, bin, sig) })
	}
}

func timersSurvive(t *testing.T, bin string, sig syscall.Signal) {
	const delay = 12 * time.Second
	env := []string{"PARLEY_AUTO_MIGRATE=true", "PARLEY_LOG_LEVEL=info", "PARLEY_LOGIN_LIMIT_PER_IP=1000",
		"PARLEY_OFFLINE_NOTIFY_DELAY=" + delay.String(), "PARLEY_AGENT_NOTIFY_DELAY=" + delay.String(),
		"PARLEY_VISITOR_NOTIFY_DELAY=" + delay.String(), "PARLEY_RED_PACKET_TTL=" + delay.String()}
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		env = append(env, "PARLEY_DATABASE_URL="+testkit.FreshPostgres(t, u))
	}
	if u := os.Getenv("PARLEY_TEST_REDIS_URL"); u != "" {
		env = append(env, "PARLEY_REDIS_URL="+u, fmt.Sprintf("PARLEY_REDIS_PREFIX=restart%d:", time.Now().UnixNano()))
	}
	dataDir, logDir := t.TempDir(), t.TempDir()
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s", allLogs(t, logDir))
		}
	}()
	p := serveOn(t, bin, dataDir, logDir, env)
	srv := testkit.Remote(t, p.url)
	admin := srv.Setup()

	// Customer service: a queue with a time-out, two agents online.
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	var queue struct {
		ID int64 `json:"id"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]any{"name": "Fast", "assign_timeout_s": int(delay / time.Second)}, http.StatusCreated, &queue)
	agents := map[int64]*testkit.Client{}
	for _, name := range []string{"agent0", "agent1"} {
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
			"password": "password-" + name, "role": "agent", "verified": true}, http.StatusCreated, nil)
		a := srv.Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue.ID, a.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
		a.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
		agents[a.UserID] = a
	}
	// Messenger: alice writes to bob, who is offline, and sends him a red
	// packet he never grabs.
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", alice.UserID), map[string]any{"amount_cents": 1000, "note": "test"}, http.StatusCreated, nil)

	decided := time.Now()
	direct := alice.OpenDirect(bob.UserID)
	alice.SendText(direct.ID, "d1", "digest-marker: are you there?")
	alice.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", direct.ID),
		map[string]any{"total_cents": 300, "count": 1, "kind": "equal", "greeting": "for you", "client_msg_id": "rp1"}, http.StatusCreated, nil)
	// A visitor nobody answers: the agents are mailed, and the assignment
	// times out and moves to the other agent.
	v1, _ := srv.NewVisitor(site.PublicKey, nil)
	unanswered := v1.Open(map[string]any{"queue_id": queue.ID})
	v1.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", unanswered.ID), map[string]string{"client_msg_id": "v1", "body": "agents-marker: hello?"}, http.StatusCreated, nil)
	// A visitor who left an address and does not see the agent's reply.
	v2, _ := srv.NewVisitor(site.PublicKey, nil)
	v2.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"name": "Vera", "email": "vera@example.com"}, http.StatusOK, nil)
	answered := v2.Open(map[string]any{"queue_id": queue.ID})
	if unanswered.AssigneeID() == 0 || answered.AssigneeID() == 0 {
		t.Fatalf("conversations not assigned: %+v %+v", unanswered, answered)
	}
	agents[answered.AssigneeID()].SendText(answered.ID, "r1", "visitor-marker: it ships tomorrow")

	p.stop(t, sig)
	if since := time.Since(decided); since >= delay-2*time.Second {
		t.Fatalf("setting up took %s, too close to the %s timers to stop before them", since, delay)
	}
	for _, m := range []string{"digest-marker", "agents-marker", "visitor-marker"} {
		if got := mails(t, logDir, m); len(got) != 0 {
			t.Fatalf("a %s mail went out before the restart: %+v", m, got)
		}
	}

	p = serveOn(t, bin, dataDir, logDir, env)
	srv = testkit.Remote(t, p.url)
	alice = alice.On(srv)
	admin = admin.On(srv)

	type effect struct {
		name string
		done func() bool
	}
	movedTo := func() int64 {
		var out struct {
			Items []testkit.SupportConversation `json:"items"`
		}
		admin.Do("GET", "/api/v1/agent/conversations?view=all&limit=50", nil, http.StatusOK, &out)
		for _, c := range out.Items {
			if c.ID == unanswered.ID {
				return c.AssigneeID()
			}
		}
		return 0
	}
	balance := func() int64 {
		var w struct {
			BalanceCents int64 `json:"balance_cents"`
		}
		alice.Do("GET", "/api/v1/wallet", nil, http.StatusOK, &w)
		return w.BalanceCents
	}
	effects := []effect{
		{"offline digest to bob", func() bool { return len(mails(t, logDir, "digest-marker")) > 0 }},
		{"agents' follow-up", func() bool { return len(mails(t, logDir, "agents-marker")) > 0 }},
		{"visitor's follow-up", func() bool { return len(mails(t, logDir, "visitor-marker")) > 0 }},
		{"assignment time-out", func() bool { a := movedTo(); return a != 0 && a != unanswered.AssigneeID() }},
		{"red packet refund", func() bool { return balance() == 1000 }},
	}
	deadline := decided.Add(delay + 30*time.Second)
	for _, e := range effects {
		for !e.done() {
			if time.Now().After(deadline) {
				t.Fatalf("after the restart, no %s", e.name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// The new assignee answers, so that their own time-out finds nothing
	// to move.
	agents[movedTo()].On(srv).SendText(unanswered.ID, "r2", "sorry for the wait")
	if early := time.Since(decided); early < delay {
		t.Fatalf("the timers fired after %s, before their %s", early, delay)
	}

	// Once each: a quiet while later (the relay hands again every few
	// seconds), still one mail of each kind, one move, one refund.
	time.Sleep(5 * time.Second)
	for m, to := range map[string]string{"digest-marker": "bob@example.com", "visitor-marker": "vera@example.com", "agents-marker": "@example.com"} {
		got := mails(t, logDir, m)
		if len(got) != 1 || len(got[0].To) == 0 || !strings.HasSuffix(got[0].To[0], to) {
			t.Fatalf("%s mails: %+v, want one to %s", m, got, to)
		}
	}
	if b := balance(); b != 1000 {
		t.Fatalf("alice's balance %d after the refund, want 1000", b)
	}
	v1.Client = v1.Client.On(srv)
	page := v1.History(unanswered.ID, "after_seq=0&limit=50")
	moves := 0
	for _, m := range page.Items {
		if m.Kind == "system" && strings.Contains(m.Body, "No answer in time") {
			moves++
		}
	}
	if moves != 1 {
		t.Fatalf("%d time-out moves in the conversation, want 1: %+v", moves, page.Items)
	}
}
