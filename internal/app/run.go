package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/bench"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/httpapi"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/migrations"
)

const usage = `Parley: customer-service chat and instant messaging in one binary.

Usage:
  parley serve   [flags]   HTTP, WebSocket and the job worker (default)
  parley worker  [flags]   the job worker alone
  parley migrate up|status [flags]
  parley admin create-user --username U --email E --password P [--role user|agent|admin] [--verified] [flags]
  parley admin credit --user U --amount-cents N [--note "…"] [flags]
  parley admin audit-wallets [flags]
  parley bench   --url URL --admin-password PW [--workload w1,w2,w3,w4,w5] [--json] [flags]
  parley openapi           print the OpenAPI document of the REST API (as served at /api/openapi.json)

Every flag is also an environment variable: --data-dir is PARLEY_DATA_DIR.
Run "parley serve -h" for the list of settings.
`

// Env is what a command reads from its surroundings.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
}

// Run runs the subcommand in env.Args until ctx is done.
func Run(ctx context.Context, env Env) error {
	args := env.Args
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, env, args)
	case "worker":
		return runWorker(ctx, env, args)
	case "migrate":
		return runMigrate(ctx, env, args)
	case "admin":
		return runAdmin(ctx, env, args)
	case "bench":
		return bench.Main(ctx, args, env.Getenv, env.Stdout, env.Stderr)
	case "openapi":
		if len(args) > 0 {
			return fmt.Errorf("openapi takes no arguments, got %q", args)
		}
		_, err := fmt.Fprintln(env.Stdout, string(httpapi.OpenAPIDocument()))
		return err
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprint(env.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func load(env Env, name string, args []string, extra func(*flag.FlagSet)) (*config.Config, *slog.Logger, error) {
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	return cfg, NewLogger(env.Stdout, cfg.LogLevel, cfg.LogFormat), nil
}

// NewLogger returns the process logger: JSON unless format is text, or
// auto and out is a terminal.
func NewLogger(out io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	text := format == "text"
	if format == "auto" {
		if f, ok := out.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				text = true
			}
		}
	}
	if text {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}

func runServe(ctx context.Context, env Env, args []string) error {
	cfg, log, err := load(env, "serve", args, nil)
	if err != nil {
		return err
	}
	log.Info("starting Parley", "mode", mode(cfg), "settings", cfg.Masked())
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, log); err != nil {
			ln.Close()
			return err
		}
	}
	a.announce(ctx)
	return a.Serve(ctx, ln, cfg.Worker)
}

// announce logs where people reach Parley.
func (a *App) announce(ctx context.Context) {
	u := a.Config.PublicURL
	a.Log.Info("Parley is ready", "console", u+"/console/", "demo", u+"/demo", "api", u+"/api/openapi.json")
	if needed, err := a.Auth.SetupNeeded(ctx); err == nil && needed {
		a.Log.Info("first run: create the admin account", "setup", u+"/console/#/setup")
	}
}

func mode(cfg *config.Config) string {
	if cfg.Embedded() && cfg.RedisURL == "" {
		return "embedded"
	}
	return "production"
}

func runWorker(ctx context.Context, env Env, args []string) error {
	cfg, log, err := load(env, "worker", args, nil)
	if err != nil {
		return err
	}
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWorker(ctx)
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		return errors.New("usage: parley migrate up|status [flags]")
	}
	sub := args[0]
	cfg, log, err := load(env, "migrate "+sub, args[1:], nil)
	if err != nil {
		return err
	}
	if err := cfg.EnsureDataDir(); err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "up" {
		applied, err := st.Migrate(ctx, migrations.FS)
		for _, n := range applied {
			fmt.Fprintf(env.Stdout, "applied %s\n", n)
		}
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(env.Stdout, "database is up to date")
		}
		return nil
	}
	list, err := st.Migrations(ctx, migrations.FS)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s database\n", st.Dialect())
	for _, m := range list {
		state := "pending"
		if m.AppliedAt != nil {
			state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(env.Stdout, "%-30s %s\n", m.Name, state)
	}
	return nil
}

func runAdmin(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "credit" {
		return runAdminCredit(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "audit-wallets" {
		return runAuditWallets(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "create-user" {
		return errors.New("usage: parley admin create-user --username U --email E --password P [--role R] [--verified]")
	}
	var n auth.NewUser
	cfg, log, err := load(env, "admin create-user", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&n.Username, "username", "", "username (required)")
		fs.StringVar(&n.Email, "email", "", "e-mail (required)")
		fs.StringVar(&n.Password, "password", "", "password, at least 8 characters (required)")
		fs.StringVar(&n.Nickname, "nickname", "", "display name")
		fs.StringVar(&n.Role, "role", "user", "user, agent or admin")
		fs.BoolVar(&n.Verified, "verified", false, "mark the e-mail verified")
	})
	if err != nil {
		return err
	}
	cfg.Worker = false
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUserUnchecked(ctx, n)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			msg := e.Message
			for f, d := range e.Details {
				msg += fmt.Sprintf("; %s: %s", f, d)
			}
			return errors.New(msg)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "created %s %q (id %d, e-mail %s, verified %t)\n", u.Role, u.Username, u.ID, u.Email, u.EmailVerified)
	return nil
}
