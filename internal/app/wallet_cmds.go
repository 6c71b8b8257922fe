package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/wallet"
)

// runAdminCredit credits a user's wallet from the command line.
func runAdminCredit(ctx context.Context, env Env, args []string) error {
	var (
		username string
		amount   int64
		note     string
	)
	cfg, log, err := load(env, "admin credit", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "username of the wallet's owner (required)")
		fs.Int64Var(&amount, "amount-cents", 0, "amount to credit, in cents, 1 to 10000000 (required)")
		fs.StringVar(&note, "note", "", "why, kept in the ledger")
	})
	if err != nil {
		return err
	}
	if username == "" || amount == 0 {
		return errors.New(`usage: parley admin credit --user U --amount-cents N [--note "…"]`)
	}
	cfg.Worker = false
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Store.UserByUsername(ctx, strings.TrimSpace(username))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %q", username)
	} else if err != nil {
		return err
	}
	c, err := a.Wallet.Credit(ctx, 0, u.ID, amount, note)
	if err != nil {
		return plainError(err)
	}
	fmt.Fprintf(env.Stdout, "credited %s to %q (id %d); balance %s\n", wallet.Cents(amount), u.Username, u.ID, wallet.Cents(c.BalanceCents))
	return nil
}

// runAuditWallets checks that no money was created or lost; any
// difference is an error, so the process exits non-zero.
func runAuditWallets(ctx context.Context, env Env, args []string) error {
	cfg, log, err := load(env, "admin audit-wallets", args, nil)
	if err != nil {
		return err
	}
	cfg.Worker = false
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.Wallet.Audit(ctx)
	if err != nil {
		return err
	}
	res.Print(env.Stdout)
	if !res.OK() {
		return errors.New("wallet audit found differences")
	}
	return nil
}

// plainError turns a domain error into a message for the terminal.
func plainError(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code == errs.Internal {
		return err
	}
	msg := e.Message
	for f, d := range e.Details {
		msg += fmt.Sprintf("; %s: %s", f, d)
	}
	return errors.New(msg)
}
