package wallet_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/app"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// start starts a server whose login limit lets a test sign in many users.
func start(t *testing.T, opts ...testkit.Option) *testkit.Server {
	t.Helper()
	opts = append([]testkit.Option{testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.LoginLimitPerAccount = 1000, 1000
	})}, opts...)
	return testkit.Start(t, opts...)
}

type packet struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	SenderID       int64     `json:"sender_id"`
	Kind           string    `json:"kind"`
	TotalCents     int64     `json:"total_cents"`
	Count          int       `json:"count"`
	Greeting       string    `json:"greeting"`
	RemainingCount int       `json:"remaining_count"`
	Status         string    `json:"status"`
	ExpiresAt      time.Time `json:"expires_at"`
}

type message struct {
	testkit.Message
	RedPacket *packet `json:"red_packet"`
}

type sent struct {
	RedPacket packet  `json:"red_packet"`
	Message   message `json:"message"`
}

type claim struct {
	UserID      int64  `json:"user_id"`
	Name        string `json:"name"`
	AmountCents int64  `json:"amount_cents"`
}

type details struct {
	packet
	RemainingCents int64   `json:"remaining_cents"`
	RefundedCents  int64   `json:"refunded_cents"`
	Claims         []claim `json:"claims"`
	Luckiest       *claim  `json:"luckiest"`
	MyClaim        *claim  `json:"my_claim"`
}

type entry struct {
	ID                int64  `json:"id"`
	AmountCents       int64  `json:"amount_cents"`
	Reason            string `json:"reason"`
	RefID             int64  `json:"ref_id"`
	Note              string `json:"note"`
	BalanceAfterCents int64  `json:"balance_after_cents"`
}

type walletPage struct {
	BalanceCents int64   `json:"balance_cents"`
	Entries      []entry `json:"entries"`
	NextCursor   *string `json:"next_cursor"`
}

type group struct {
	ID             int64 `json:"id"`
	Number         int64 `json:"number"`
	ConversationID int64 `json:"conversation_id"`
}

func credit(admin, c *testkit.Client, cents int64) {
	admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", c.UserID), map[string]any{"amount_cents": cents, "note": "test"}, http.StatusCreated, nil)
}

func wallet(c *testkit.Client) walletPage {
	var w walletPage
	c.Do("GET", "/api/v1/wallet", nil, http.StatusOK, &w)
	return w
}

func balance(c *testkit.Client) int64 { return wallet(c).BalanceCents }

func redPacket(total int64, count int, kind, cmid string) map[string]any {
	return map[string]any{"total_cents": total, "count": count, "kind": kind, "greeting": "Happy new year", "client_msg_id": cmid}
}

// send sends a red packet and requires 201.
func send(c *testkit.Client, conversationID, total int64, count int, kind, cmid string) sent {
	var s sent
	c.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", conversationID), redPacket(total, count, kind, cmid), http.StatusCreated, &s)
	return s
}

func grab(c *testkit.Client, id int64) *testkit.Response {
	return c.Raw("POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", id), nil)
}

func packetDetails(c *testkit.Client, id int64) details {
	var d details
	c.Do("GET", fmt.Sprintf("/api/v1/red-packets/%d", id), nil, http.StatusOK, &d)
	return d
}

// openGroup has owner create an open group that every other client joins.
func openGroup(owner *testkit.Client, others ...*testkit.Client) group {
	var g group
	owner.Do("POST", "/api/v1/groups", map[string]string{"name": "Red envelopes", "join_policy": "open"}, http.StatusCreated, &g)
	for _, c := range others {
		c.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
	}
	return g
}

// users makes n users named prefix0, prefix1, ….
func users(srv *testkit.Server, admin *testkit.Client, prefix string, n int) []*testkit.Client {
	out := make([]*testkit.Client, n)
	for i := range out {
		out[i] = srv.NewUser(admin, fmt.Sprintf("%s%03d", prefix, i))
	}
	return out
}

// runCLI runs `parley <args…>` against the server's database and Redis,
// as an operator would, and returns its output and error.
func runCLI(t *testing.T, srv *testkit.Server, args ...string) (string, error) {
	t.Helper()
	cfg := srv.Config()
	args = append(args, "--data-dir", cfg.DataDir, "--database-url", cfg.DatabaseURL, "--redis-url", cfg.RedisURL,
		"--redis-prefix", cfg.RedisPrefix, "--secret", cfg.Secret, "--log-level", "error")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := app.Run(ctx, app.Env{Args: args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out})
	return out.String(), err
}

// audit runs the wallet audit in the server and fails the test on any
// difference.
func audit(t *testing.T, srv *testkit.Server) {
	t.Helper()
	a, err := srv.App.Wallet.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !a.OK() {
		var b bytes.Buffer
		a.Print(&b)
		t.Fatalf("audit found differences:\n%s", b.String())
	}
}
