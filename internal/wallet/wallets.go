package wallet

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// MaxCreditCents bounds one admin credit (100,000.00).
const MaxCreditCents = 10_000_000

// Entry is one ledger line as its owner sees it.
type Entry struct {
	ID                int64     `json:"id"`
	AmountCents       int64     `json:"amount_cents"`
	Reason            string    `json:"reason"`
	RefID             int64     `json:"ref_id"`
	Note              string    `json:"note"`
	BalanceAfterCents int64     `json:"balance_after_cents"`
	CreatedAt         time.Time `json:"created_at"`
}

func entryView(e *store.WalletEntry) Entry {
	return Entry{
		ID: e.ID, AmountCents: e.AmountCents, Reason: e.Reason, RefID: e.RefID, Note: e.Note,
		BalanceAfterCents: e.BalanceAfterCents, CreatedAt: e.CreatedAt,
	}
}

// Wallet is a balance with one page of its ledger, newest first.
type Wallet struct {
	BalanceCents int64   `json:"balance_cents"`
	Entries      []Entry `json:"entries"`
	// NextCursor continues the ledger (pass it as cursor); 0 at the end.
	NextCursor int64 `json:"-"`
}

// Wallet returns a user's balance and up to limit ledger entries older
// than the entry id cursor (0: the newest).
func (s *Service) Wallet(ctx context.Context, userID, cursor int64, limit int) (*Wallet, error) {
	balance, err := s.store.WalletBalance(ctx, userID)
	if err != nil {
		return nil, domain(err, "load wallet")
	}
	es, err := s.store.WalletEntries(ctx, userID, cursor, limit)
	if err != nil {
		return nil, domain(err, "load ledger")
	}
	w := &Wallet{BalanceCents: balance, Entries: make([]Entry, 0, len(es))}
	for i := range es {
		w.Entries = append(w.Entries, entryView(&es[i]))
	}
	if len(es) == limit {
		w.NextCursor = es[len(es)-1].ID
	}
	return w, nil
}

// Credit is the result of an admin credit.
type Credit struct {
	UserID       int64 `json:"user_id"`
	BalanceCents int64 `json:"balance_cents"`
	Entry        Entry `json:"entry"`
}

// Credit adds amountCents (1..MaxCreditCents) to a user's wallet on an
// admin's word (adminID 0: the command line). Errors: 400 on a bad amount
// or note, 404 user_not_found.
func (s *Service) Credit(ctx context.Context, adminID, userID, amountCents int64, note string) (*Credit, error) {
	if amountCents < 1 || amountCents > MaxCreditCents {
		return nil, errs.Field("amount_cents", "a whole number of cents from 1 to 10000000")
	}
	note = strings.TrimSpace(note)
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > 200 {
		return nil, errs.Field("note", "at most 200 characters of text")
	}
	var e *store.WalletEntry
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.UserByID(ctx, userID); notFound(err) {
			return errNoUser
		} else if err != nil {
			return err
		}
		var err error
		if e, err = s.move(ctx, tx, userID, amountCents, ReasonCredit, adminID, note); err != nil {
			return err
		}
		return audit.Record(ctx, tx, adminID, "wallet.credit", "user", userID, map[string]any{"amount_cents": amountCents, "note": note})
	})
	if err != nil {
		return nil, domain(err, "credit wallet")
	}
	s.log.InfoContext(ctx, "wallet credited", "user_id", userID, "amount_cents", amountCents, "admin_id", adminID)
	return &Credit{UserID: userID, BalanceCents: e.BalanceAfterCents, Entry: entryView(e)}, nil
}
