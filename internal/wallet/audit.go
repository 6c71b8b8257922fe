package wallet

import (
	"context"
	"fmt"
	"io"

	"github.com/parley-chat/parley/internal/store"
)

// Audit is the result of checking that no money was created or lost.
type Audit struct {
	store.WalletTotals
	// Difference is credits − (balances + unclaimed); zero when sound.
	Difference int64
	// Ledgers are the wallets whose balance is not the sum of their ledger.
	Ledgers []store.LedgerMismatch
	// Packets are the red packets whose total is not claimed + remaining + refunded.
	Packets []store.PacketMismatch
}

// OK reports whether the audit found no difference.
func (a *Audit) OK() bool { return a.Difference == 0 && len(a.Ledgers) == 0 && len(a.Packets) == 0 }

// Audit checks that every credit ever made equals the balances plus what
// red packets not yet refunded still hold, that each balance equals the
// sum of its ledger, and that each packet's total is accounted for.
func (s *Service) Audit(ctx context.Context) (*Audit, error) {
	t, err := s.store.WalletTotals(ctx)
	if err != nil {
		return nil, fmt.Errorf("sum wallets: %w", err)
	}
	a := &Audit{WalletTotals: t, Difference: t.CreditedCents - t.BalanceCents - t.UnclaimedCents}
	if a.Ledgers, err = s.store.LedgerMismatches(ctx); err != nil {
		return nil, fmt.Errorf("check ledgers: %w", err)
	}
	if a.Packets, err = s.store.PacketMismatches(ctx); err != nil {
		return nil, fmt.Errorf("check red packets: %w", err)
	}
	return a, nil
}

// Print writes a human summary of the audit.
func (a *Audit) Print(w io.Writer) {
	fmt.Fprintf(w, "credited:  %s\n", Cents(a.CreditedCents))
	fmt.Fprintf(w, "balances:  %s\n", Cents(a.BalanceCents))
	fmt.Fprintf(w, "unclaimed: %s (red packets not yet refunded)\n", Cents(a.UnclaimedCents))
	if a.Difference != 0 {
		fmt.Fprintf(w, "DIFFERENCE: credited − (balances + unclaimed) = %s\n", Cents(a.Difference))
	}
	for _, l := range a.Ledgers {
		fmt.Fprintf(w, "DIFFERENCE: user %d has a balance of %s but a ledger summing to %s\n", l.UserID, Cents(l.BalanceCents), Cents(l.LedgerCents))
	}
	for _, p := range a.Packets {
		fmt.Fprintf(w, "DIFFERENCE: red packet %d of %s: claimed %s + remaining %s + refunded %s\n",
			p.ID, Cents(p.TotalCents), Cents(p.ClaimedCents), Cents(p.RemainingCents), Cents(p.RefundedCents))
	}
	if a.OK() {
		fmt.Fprintln(w, "ok: credits = balances + unclaimed, and every balance matches its ledger")
	}
}

// Cents formats an amount of cents as units with two decimals.
func Cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}
