package wallet_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestGrabRules(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	ann, bob, cyd, out := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "cyd"), srv.NewUser(admin, "out")
	srv.MakeFriends(ann, bob)
	direct := ann.OpenDirect(bob.UserID)
	g := openGroup(ann, bob, cyd)
	credit(admin, ann, 1000)

	gp := send(ann, g.ConversationID, 200, 2, "lucky", "g1")
	dp := send(ann, direct.ID, 100, 1, "lucky", "d1")
	steps := []struct {
		name   string
		who    *testkit.Client
		id     int64
		status int
		code   string
	}{
		{"non-member", out, gp.RedPacket.ID, 403, "not_a_member"},
		{"no such packet", bob, 999999, 404, "red_packet_not_found"},
		{"sender of a direct packet", ann, dp.RedPacket.ID, 422, "own_red_packet"},
		{"direct recipient", bob, dp.RedPacket.ID, 200, ""},
		{"direct recipient again", bob, dp.RedPacket.ID, 409, "already_claimed"},
		{"sender in a group", ann, gp.RedPacket.ID, 200, ""},
		{"member", bob, gp.RedPacket.ID, 200, ""},
		{"member again", bob, gp.RedPacket.ID, 409, "already_claimed"},
		{"member of an exhausted packet", cyd, gp.RedPacket.ID, 410, "exhausted"},
	}
	for _, st := range steps {
		r := grab(st.who, st.id)
		if r.Status != st.status || r.ErrorCode() != st.code {
			t.Fatalf("%s: %d %s, want %d %s", st.name, r.Status, r.Body, st.status, st.code)
		}
	}
	if r := out.Raw("GET", fmt.Sprintf("/api/v1/red-packets/%d", gp.RedPacket.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("details to a non-member: %d", r.Status)
	}
	d := packetDetails(cyd, gp.RedPacket.ID)
	if len(d.Claims) != 2 || d.Claims[0].UserID != ann.UserID || d.Claims[1].UserID != bob.UserID || d.Claims[1].Name != "Bob" ||
		d.Claims[0].AmountCents+d.Claims[1].AmountCents != 200 || d.RemainingCount != 0 || d.RemainingCents != 0 || d.Status != "exhausted" || d.MyClaim != nil {
		t.Fatalf("details %+v", d)
	}
	if d.Luckiest == nil || d.Luckiest.AmountCents < 100 {
		t.Fatalf("luckiest %+v of %+v", d.Luckiest, d.Claims)
	}
	if mine := packetDetails(bob, gp.RedPacket.ID).MyClaim; mine == nil || mine.UserID != bob.UserID {
		t.Fatalf("bob's claim %+v", mine)
	}
	w := wallet(bob)
	if w.BalanceCents != 100+d.Claims[1].AmountCents || w.Entries[0].Reason != "red_packet_grab" || w.Entries[0].RefID != gp.RedPacket.ID {
		t.Fatalf("bob's wallet %+v", w)
	}
	audit(t, srv)
}

func TestEqualSplitGivesTheRemainderToTheLast(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	owner := srv.NewUser(admin, "owner")
	members := users(srv, admin, "m", 4)
	g := openGroup(owner, members...)
	credit(admin, owner, 5000)

	for _, tc := range []struct {
		total int64
		count int
		want  []int64
	}{
		{1003, 4, []int64{250, 250, 250, 253}},
		{1000, 4, []int64{250, 250, 250, 250}},
		{4, 4, []int64{1, 1, 1, 1}},
		{7, 3, []int64{2, 2, 3}},
		{99, 1, []int64{99}},
	} {
		t.Run(fmt.Sprintf("%d/%d", tc.total, tc.count), func(t *testing.T) {
			p := send(owner, g.ConversationID, tc.total, tc.count, "equal", fmt.Sprintf("eq-%d-%d", tc.total, tc.count))
			for i := 0; i < tc.count; i++ {
				var res struct {
					AmountCents int64 `json:"amount_cents"`
				}
				members[i].Do("POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", p.RedPacket.ID), nil, http.StatusOK, &res)
				if res.AmountCents != tc.want[i] {
					t.Fatalf("share %d = %d, want %d", i, res.AmountCents, tc.want[i])
				}
			}
			if d := packetDetails(owner, p.RedPacket.ID); d.Luckiest != nil || d.Status != "exhausted" {
				t.Fatalf("equal packet details %+v", d)
			}
		})
	}
	audit(t, srv)
}

func TestLuckySharesStayWithinTheirBounds(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	owner := srv.NewUser(admin, "owner")
	members := users(srv, admin, "m", 10)
	g := openGroup(owner, members...)
	credit(admin, owner, 200000)

	for _, tc := range []struct {
		total int64
		count int
	}{{1000, 10}, {10, 10}, {11, 10}, {20000, 10}, {3, 2}, {500, 7}, {12345, 9}} {
		for round := 0; round < 3; round++ {
			t.Run(fmt.Sprintf("%d/%d#%d", tc.total, tc.count, round), func(t *testing.T) {
				p := send(owner, g.ConversationID, tc.total, tc.count, "lucky", fmt.Sprintf("lucky-%d-%d-%d", tc.total, tc.count, round))
				for i := 0; i < tc.count; i++ {
					members[i].Do("POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", p.RedPacket.ID), nil, http.StatusOK, nil)
				}
				d := packetDetails(owner, p.RedPacket.ID)
				if len(d.Claims) != tc.count {
					t.Fatalf("%d claims", len(d.Claims))
				}
				remaining, best := tc.total, d.Claims[0]
				for i, c := range d.Claims {
					left := int64(tc.count - i)
					if c.AmountCents < 1 {
						t.Fatalf("share %d = %d", i, c.AmountCents)
					}
					if left > 1 && c.AmountCents > max(1, 2*remaining/left) {
						t.Fatalf("share %d = %d, over twice the fair share of %d left in %d shares", i, c.AmountCents, remaining, left)
					}
					if left > 1 && remaining-c.AmountCents < left-1 {
						t.Fatalf("share %d = %d leaves less than a cent for each of the %d after it", i, c.AmountCents, left-1)
					}
					if c.AmountCents > best.AmountCents {
						best = c
					}
					remaining -= c.AmountCents
				}
				if remaining != 0 {
					t.Fatalf("shares sum to %d, want %d", tc.total-remaining, tc.total)
				}
				if d.Luckiest == nil || *d.Luckiest != best {
					t.Fatalf("luckiest %+v, want %+v", d.Luckiest, best)
				}
			})
		}
	}
	audit(t, srv)
}

func TestConcurrentGrabsNeverSplitMoreThanThePacket(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	owner := srv.NewUser(admin, "owner")
	members := users(srv, admin, "g", 100)
	g := openGroup(owner, members...)
	credit(admin, owner, 30000)

	for _, kind := range []string{"lucky", "equal"} {
		t.Run(kind, func(t *testing.T) {
			p := send(owner, g.ConversationID, 10007, 10, kind, "burst-"+kind)
			type result struct {
				status int
				code   string
				amount int64
			}
			results := make([]result, len(members))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, m := range members {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r := grab(m, p.RedPacket.ID)
					var res struct {
						AmountCents int64 `json:"amount_cents"`
					}
					if r.Status == http.StatusOK {
						_ = json.Unmarshal(r.Body, &res)
					}
					results[i] = result{r.Status, r.ErrorCode(), res.AmountCents}
				}()
			}
			close(start)
			wg.Wait()
			var won, gone int
			var sum int64
			for i, r := range results {
				switch {
				case r.status == http.StatusOK:
					won++
					sum += r.amount
				case r.status == http.StatusGone && r.code == "exhausted":
					gone++
				default:
					t.Errorf("member %d: %d %s", i, r.status, r.code)
				}
			}
			if won != 10 || gone != len(members)-10 || sum != 10007 {
				t.Fatalf("%d grabs won, %d exhausted, %d cents handed out; want 10, %d, 10007", won, gone, sum, len(members)-10)
			}
			d := packetDetails(owner, p.RedPacket.ID)
			seen := map[int64]bool{}
			for _, c := range d.Claims {
				if seen[c.UserID] {
					t.Fatalf("user %d got two shares", c.UserID)
				}
				seen[c.UserID] = true
			}
			if len(d.Claims) != 10 || d.RemainingCents != 0 {
				t.Fatalf("details %+v", d)
			}
			audit(t, srv)
		})
	}
	if out, err := runCLI(t, srv, "admin", "audit-wallets"); err != nil {
		t.Fatalf("audit-wallets: %v\n%s", err, out)
	}
}

func TestExpiredPacketsAreRefundedOnce(t *testing.T) {
	srv := start(t, testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) { c.RedPacketTTL = time.Minute }))
	admin := srv.Setup()
	ann, bob, cyd := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "cyd")
	g := openGroup(ann, bob, cyd)
	credit(admin, ann, 1000)
	ws := bob.Dial()

	p := send(ann, g.ConversationID, 600, 3, "equal", "soon")
	var got struct {
		AmountCents int64 `json:"amount_cents"`
	}
	bob.Do("POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", p.RedPacket.ID), nil, http.StatusOK, &got)
	if got.AmountCents != 200 {
		t.Fatalf("share %d", got.AmountCents)
	}
	// The worker refunds the 400 left once the packet expires.
	srv.Advance(time.Minute)
	deadline := time.Now().Add(15 * time.Second)
	for balance(ann) != 800 {
		if time.Now().After(deadline) {
			t.Fatalf("no refund: ann's wallet %+v", wallet(ann))
		}
		time.Sleep(100 * time.Millisecond)
	}
	f := ws.ReadType("red_packet", 5*time.Second)
	for f["status"] != "expired" {
		f = ws.ReadType("red_packet", 5*time.Second)
	}
	if f["id"] != float64(p.RedPacket.ID) || f["remaining_count"] != float64(2) {
		t.Fatalf("expiry frame %v", f)
	}
	// Running the refund again, as a retried task would, changes nothing.
	for range 2 {
		if err := srv.App.Wallet.RefundRedPacket(t.Context(), p.RedPacket.ID); err != nil {
			t.Fatal(err)
		}
	}
	w := wallet(ann)
	refunds := 0
	for _, e := range w.Entries {
		if e.Reason == "red_packet_refund" {
			refunds++
			if e.AmountCents != 400 || e.RefID != p.RedPacket.ID {
				t.Fatalf("refund entry %+v", e)
			}
		}
	}
	if w.BalanceCents != 800 || refunds != 1 {
		t.Fatalf("after repeated refunds: balance %d, %d refund entries", w.BalanceCents, refunds)
	}
	if r := grab(cyd, p.RedPacket.ID); r.Status != http.StatusGone || r.ErrorCode() != "expired" {
		t.Fatalf("grab after expiry: %d %s", r.Status, r.Body)
	}
	d := packetDetails(cyd, p.RedPacket.ID)
	if d.Status != "expired" || d.RefundedCents != 400 || d.RemainingCents != 0 || len(d.Claims) != 1 {
		t.Fatalf("expired details %+v", d)
	}
	audit(t, srv)
}

func TestRedPacketFramesReachMembers(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	ann, bob, cyd, out := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "cyd"), srv.NewUser(admin, "out")
	g := openGroup(ann, bob, cyd)
	credit(admin, ann, 1000)
	annWS, bobWS, outWS := ann.Dial(), bob.Dial(), out.Dial()

	p := send(ann, g.ConversationID, 300, 2, "lucky", "frames")
	var mf struct {
		Message message `json:"message"`
	}
	bobWS.ReadType("message", 5*time.Second).Decode(t, &mf)
	if mf.Message.Kind != "red_packet" || mf.Message.RedPacket == nil || mf.Message.RedPacket.ID != p.RedPacket.ID || mf.Message.RedPacket.RemainingCount != 2 {
		t.Fatalf("message frame %+v (red packet %+v)", mf.Message, mf.Message.RedPacket)
	}
	var res struct {
		AmountCents int64 `json:"amount_cents"`
	}
	cyd.Do("POST", fmt.Sprintf("/api/v1/red-packets/%d/grab", p.RedPacket.ID), nil, http.StatusOK, &res)
	for _, ws := range []*testkit.WS{annWS, bobWS} {
		var f struct {
			Type           string `json:"type"`
			ID             int64  `json:"id"`
			ConversationID int64  `json:"conversation_id"`
			RemainingCount int    `json:"remaining_count"`
			ClaimedBy      *claim `json:"claimed_by"`
		}
		ws.ReadType("red_packet", 5*time.Second).Decode(t, &f)
		if f.ID != p.RedPacket.ID || f.ConversationID != g.ConversationID || f.RemainingCount != 1 || f.ClaimedBy == nil ||
			f.ClaimedBy.UserID != cyd.UserID || f.ClaimedBy.Name != "Cyd" || f.ClaimedBy.AmountCents != res.AmountCents {
			t.Fatalf("grab frame %+v (claimed by %+v)", f, f.ClaimedBy)
		}
	}
	// A message of out's own, sent after the grab, reaches out after any
	// red_packet frame would have.
	srv.MakeFriends(out, cyd)
	cyd.SendText(cyd.OpenDirect(out.UserID).ID, "after-grab", "hi")
	outWS.NoFrameBefore(testkit.OfType("red_packet"), testkit.OfType("message"))
}
