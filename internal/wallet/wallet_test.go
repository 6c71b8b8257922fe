package wallet_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAdminCreditsWithALedger(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	ann, bob := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob")

	if w := wallet(ann); w.BalanceCents != 0 || len(w.Entries) != 0 || w.NextCursor != nil {
		t.Fatalf("new wallet %+v", w)
	}
	var res struct {
		UserID       int64 `json:"user_id"`
		BalanceCents int64 `json:"balance_cents"`
		Entry        entry `json:"entry"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", ann.UserID), map[string]any{"amount_cents": 1500, "note": "welcome"}, http.StatusCreated, &res)
	if res.UserID != ann.UserID || res.BalanceCents != 1500 || res.Entry.Reason != "credit" || res.Entry.Note != "welcome" || res.Entry.RefID != admin.UserID {
		t.Fatalf("credit %+v", res)
	}
	credit(admin, ann, 250)
	credit(admin, ann, 5)

	w := wallet(ann)
	if w.BalanceCents != 1755 || len(w.Entries) != 3 {
		t.Fatalf("wallet %+v", w)
	}
	for i, want := range []struct{ amount, after int64 }{{5, 1755}, {250, 1750}, {1500, 1500}} {
		if e := w.Entries[i]; e.AmountCents != want.amount || e.BalanceAfterCents != want.after || e.Reason != "credit" {
			t.Fatalf("entry %d = %+v, want %+v (newest first)", i, e, want)
		}
	}
	var page walletPage
	ann.Do("GET", "/api/v1/wallet?limit=2", nil, http.StatusOK, &page)
	if len(page.Entries) != 2 || page.NextCursor == nil {
		t.Fatalf("first page %+v", page)
	}
	ann.Do("GET", "/api/v1/wallet?limit=2&cursor="+*page.NextCursor, nil, http.StatusOK, &page)
	if len(page.Entries) != 1 || page.Entries[0].AmountCents != 1500 || page.NextCursor != nil {
		t.Fatalf("second page %+v", page)
	}
	if balance(bob) != 0 {
		t.Fatal("bob's wallet changed")
	}

	for _, tc := range []struct {
		name   string
		caller string
		path   string
		body   any
		status int
		code   string
	}{
		{"zero", "admin", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": 0}, 400, "invalid_input"},
		{"negative", "admin", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": -5}, 400, "invalid_input"},
		{"too much", "admin", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": 10_000_001}, 400, "invalid_input"},
		{"fraction", "admin", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": 1.5}, 400, "invalid_input"},
		{"unknown user", "admin", "/api/v1/admin/wallets/999999/credit", map[string]any{"amount_cents": 100}, 404, "user_not_found"},
		{"not an admin", "ann", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", ann.UserID), map[string]any{"amount_cents": 100}, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := admin
			if tc.caller == "ann" {
				c = ann
			}
			r := c.Raw("POST", tc.path, tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	if balance(bob) != 0 || balance(ann) != 1755 {
		t.Fatal("a refused credit changed a balance")
	}
	if r := admin.Raw("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": 10_000_000}); r.Status != http.StatusCreated {
		t.Fatalf("largest credit: %d %s", r.Status, r.Body)
	}
	audit(t, srv)
}

func TestAdminCommandsCreditAndAudit(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	cleo := srv.NewUser(admin, "cleo")

	out, err := runCLI(t, srv, "admin", "credit", "--user", "cleo", "--amount-cents", "4200", "--note", "prize")
	if err != nil {
		t.Fatalf("credit: %v\n%s", err, out)
	}
	w := wallet(cleo)
	if w.BalanceCents != 4200 || len(w.Entries) != 1 || w.Entries[0].Note != "prize" || w.Entries[0].RefID != 0 {
		t.Fatalf("after the command: %+v", w)
	}
	if out, err := runCLI(t, srv, "admin", "credit", "--user", "nobody", "--amount-cents", "1"); err == nil {
		t.Fatalf("credit to an unknown user passed: %s", out)
	}
	if out, err := runCLI(t, srv, "admin", "credit", "--user", "cleo", "--amount-cents", "20000000"); err == nil {
		t.Fatalf("credit over the limit passed: %s", out)
	}
	out, err = runCLI(t, srv, "admin", "audit-wallets")
	if err != nil {
		t.Fatalf("audit of a sound database: %v\n%s", err, out)
	}
	t.Logf("audit:\n%s", out)

	// Money appearing out of nowhere is caught.
	if err := srv.App.Store.Gorm().Exec("UPDATE wallets SET balance_cents = balance_cents + 1 WHERE user_id = ?", cleo.UserID).Error; err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, srv, "admin", "audit-wallets")
	if err == nil {
		t.Fatalf("audit passed with a tampered balance:\n%s", out)
	}
	for _, want := range []string{"DIFFERENCE: credited", fmt.Sprintf("user %d has a balance of 42.01 but a ledger summing to 42.00", cleo.UserID)} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit output lacks %q:\n%s", want, out)
		}
	}
}
