// Package bench is `parley bench`: a load generator that drives a running
// Parley through its public REST and WebSocket API only, the way clients
// do, and reports throughput and latency per workload as a table or JSON.
//
// Every run prepares its own users, friendships, groups and sites under a
// fresh name prefix, so runs never collide; it deletes nothing, so point it
// at a throw-away data dir or database.
package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// Options are the flags of `parley bench`.
type Options struct {
	URL              string
	AdminUser        string
	AdminPassword    string
	Workloads        []string
	JSON             bool
	Prefix           string
	ServerPID        int
	PprofURL         string
	CPUProfile       string
	SetupConcurrency int
	DialConcurrency  int
	MaxDuration      time.Duration

	W1Pairs int
	W1Rates []int
	W1Step  time.Duration
	W1Drain time.Duration
	// W1Warmup is sent at the first rate before the steps and not
	// reported: the server's connections prepare their statements then.
	W1Warmup time.Duration

	W2Sockets        int
	W2SocketsPerUser int
	W2Settle         time.Duration
	W2Idle           time.Duration

	W3Members  int
	W3Rate     int
	W3Duration time.Duration

	W4Visitors int
	W4Window   time.Duration
	W4Agents   int
	W4Capacity int

	W5Messages    int
	W5SeedWorkers int
	W5Readers     int

	W6Subscribers int
	W6Rates       []int
	W6Step        time.Duration
	W6Drain       time.Duration

	W7Messages    int
	W7SeedWorkers int
	W7Searches    int
	W7Searchers   int
	W7Reuse       bool

	W8Users       int
	W8Unread      int
	W8Window      time.Duration
	W8SeedWorkers int
}

const usage = `Usage: parley bench --url URL --admin-user NAME --admin-password PW [--workload w1,w2,w3,w4,w5,w6,w7,w8] [--json] [flags]

Drives a running Parley through its public API and prints what it measured.
Start the server for it with raised limits, e.g.
  PARLEY_LOGIN_LIMIT_PER_IP=100000 PARLEY_LOGIN_LIMIT_PER_ACCOUNT=100000 \
  PARLEY_SEND_LIMIT_PER_MINUTE=1000000 PARLEY_GROUP_MEMBER_CAP=100000 \
  PARLEY_WIDGET_SESSION_LIMIT_PER_IP=100000 PARLEY_WS_SEND_FRAMES_PER_SECOND=100000 \
  PARLEY_MAX_CONNS_PER_IP=0 PARLEY_SEARCH_LIMIT_PER_MINUTE=1000000 \
  PARLEY_PUSHER_API_REQUESTS_PER_MINUTE=1000000 parley serve
(every bench socket comes from one address, over the default connection cap)
and point it at a throw-away data dir or database: the bench creates users,
groups and sites and deletes nothing. The admin password may also come from
PARLEY_BENCH_ADMIN_PASSWORD.

Flags:
`

// Main parses args, runs the workloads and prints the report to stdout
// (progress goes to stderr). It is what `parley bench` calls.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	opts, err := Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	if opts.CPUProfile != "" {
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := Run(ctx, opts, stderr)
	if rep != nil {
		if opts.JSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if jerr := enc.Encode(rep); jerr != nil && err == nil {
				err = jerr
			}
		} else {
			rep.WriteTable(stdout)
		}
	}
	return err
}

// Parse reads the flags of `parley bench`.
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("parley bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var workloads, rates, w6Rates string
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the running server")
	fs.StringVar(&o.AdminUser, "admin-user", "admin", "an admin's username or e-mail")
	fs.StringVar(&o.AdminPassword, "admin-password", "", "the admin's password (or PARLEY_BENCH_ADMIN_PASSWORD)")
	fs.StringVar(&workloads, "workload", "w1,w2,w3,w4,w5,w6", "comma-separated workloads to run, in order")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&o.Prefix, "prefix", "", "name prefix of everything this run creates (default: random)")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "PID of the server on this machine, to read its memory and CPU from /proc (W2)")
	fs.StringVar(&o.PprofURL, "pprof-url", "", "the server's profile address (PARLEY_PPROF_ADDR, e.g. http://127.0.0.1:6060), to read its live heap and stacks after a forced GC (W2)")
	fs.StringVar(&o.CPUProfile, "cpu-profile", "", "write the load generator's own CPU profile to this file (read it with go tool pprof)")
	fs.IntVar(&o.SetupConcurrency, "setup-concurrency", 4, "users created and signed in at once (each costs the server a password hash)")
	fs.IntVar(&o.DialConcurrency, "dial-concurrency", 32, "sockets opened at once")
	fs.DurationVar(&o.MaxDuration, "max-duration", 60*time.Minute, "stop everything after this long")

	fs.IntVar(&o.W1Pairs, "w1-pairs", 100, "W1: pairs of friends, each user sending to its partner")
	fs.StringVar(&rates, "w1-rates", "500,1000,2000,4000", "W1: aggregate send rates to step through, msg/s")
	fs.DurationVar(&o.W1Step, "w1-step", 20*time.Second, "W1: duration of each step")
	fs.DurationVar(&o.W1Drain, "w1-drain", 10*time.Second, "W1: longest wait for acks and deliveries after a step")
	fs.DurationVar(&o.W1Warmup, "w1-warmup", 5*time.Second, "W1: sending at the first rate before the steps, not reported (0: none)")

	fs.IntVar(&o.W2Sockets, "w2-sockets", 2000, "W2: idle authenticated sockets to hold open")
	fs.IntVar(&o.W2SocketsPerUser, "w2-sockets-per-user", 10, "W2: sockets per user (users are costly to create)")
	fs.DurationVar(&o.W2Settle, "w2-settle", 3*time.Second, "W2: wait after opening before reading memory")
	fs.DurationVar(&o.W2Idle, "w2-idle", 10*time.Second, "W2: window over which idle CPU is measured")

	fs.IntVar(&o.W3Members, "w3-members", 500, "W3: online members of the group, the sender included")
	fs.IntVar(&o.W3Rate, "w3-rate", 20, "W3: messages per second from the one sender")
	fs.DurationVar(&o.W3Duration, "w3-duration", 30*time.Second, "W3: how long the sender sends")

	fs.IntVar(&o.W4Visitors, "w4-visitors", 1000, "W4: visitors opening a chat")
	fs.DurationVar(&o.W4Window, "w4-window", 10*time.Second, "W4: window over which visitors arrive, evenly spread")
	fs.IntVar(&o.W4Agents, "w4-agents", 20, "W4: online agents in the site's queue")
	fs.IntVar(&o.W4Capacity, "w4-capacity", 5, "W4: concurrent chats per agent")

	fs.IntVar(&o.W5Messages, "w5-messages", 100000, "W5: messages in the conversation whose history is read")
	fs.IntVar(&o.W5SeedWorkers, "w5-seed-workers", 8, "W5: concurrent REST sends while seeding")
	fs.IntVar(&o.W5Readers, "w5-readers", 1, "W5: concurrent readers, each paging through the whole history")

	fs.IntVar(&o.W7Messages, "w7-messages", 1000000, "W7: messages seeded over 8 conversations before searching (seeding goes through the REST send)")
	fs.IntVar(&o.W7SeedWorkers, "w7-seed-workers", 8, "W7: concurrent REST sends while seeding")
	fs.IntVar(&o.W7Searches, "w7-searches", 700, "W7: searches to time, cycling through the query mix")
	fs.IntVar(&o.W7Searchers, "w7-searchers", 2, "W7: searches at once")
	fs.BoolVar(&o.W7Reuse, "w7-reuse", false, "W7: search the users and messages an earlier W7 run with the same --prefix and admin password seeded, instead of seeding")
	fs.IntVar(&o.W8Users, "w8-users", 10000, "W8: users, each with one socket and a direct chat with a partner, dropped at once and reconnecting")
	fs.IntVar(&o.W8Unread, "w8-unread", 5, "W8: messages each user's partner sends while the sockets are down")
	fs.DurationVar(&o.W8Window, "w8-window", 10*time.Second, "W8: window within which every client comes back, each after a random delay")
	fs.IntVar(&o.W8SeedWorkers, "w8-seed-workers", 16, "W8: concurrent REST sends of the missed messages")
	fs.IntVar(&o.W6Subscribers, "w6-subscribers", 500, "W6: Pusher sockets subscribed to the one public channel")
	fs.StringVar(&w6Rates, "w6-rates", "5,10,20,40", "W6: events per second triggered through the Pusher HTTP API, stepped")
	fs.DurationVar(&o.W6Step, "w6-step", 10*time.Second, "W6: duration of each step")
	fs.DurationVar(&o.W6Drain, "w6-drain", 10*time.Second, "W6: longest wait for deliveries after a step")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.AdminPassword == "" && getenv != nil {
		o.AdminPassword = getenv("PARLEY_BENCH_ADMIN_PASSWORD")
	}
	for _, w := range strings.Split(workloads, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		switch w {
		case "":
		case "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8":
			o.Workloads = append(o.Workloads, w)
		default:
			return o, fmt.Errorf("unknown workload %q (w1 to w8)", w)
		}
	}
	var err error
	if o.W1Rates, err = parseRates("--w1-rates", rates); err != nil {
		return o, err
	}
	if o.W6Rates, err = parseRates("--w6-rates", w6Rates); err != nil {
		return o, err
	}
	return o, o.validate()
}

// parseRates reads a comma-separated list of positive rates.
func parseRates(flag, list string) ([]int, error) {
	var out []int
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		n, err := strconv.Atoi(r)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive rate", flag, r)
		}
		out = append(out, n)
	}
	return out, nil
}

func (o *Options) validate() error {
	switch {
	case o.URL == "":
		return errors.New("--url is required")
	case o.AdminPassword == "":
		return errors.New("--admin-password (or PARLEY_BENCH_ADMIN_PASSWORD) is required")
	case len(o.Workloads) == 0:
		return errors.New("--workload names no workload")
	case o.W1Pairs < 1 || len(o.W1Rates) == 0 || o.W1Step <= 0 || o.W1Warmup < 0:
		return errors.New("W1 needs --w1-pairs ≥ 1, --w1-rates and --w1-step > 0")
	case o.W2Sockets < 1 || o.W2SocketsPerUser < 1:
		return errors.New("W2 needs --w2-sockets and --w2-sockets-per-user ≥ 1")
	case o.W3Members < 2 || o.W3Rate < 1 || o.W3Duration <= 0:
		return errors.New("W3 needs --w3-members ≥ 2, --w3-rate ≥ 1 and --w3-duration > 0")
	case o.W4Visitors < 1 || o.W4Agents < 1 || o.W4Capacity < 1:
		return errors.New("W4 needs --w4-visitors, --w4-agents and --w4-capacity ≥ 1")
	case o.W5Messages < 1 || o.W5SeedWorkers < 1 || o.W5Readers < 1:
		return errors.New("W5 needs --w5-messages, --w5-seed-workers and --w5-readers ≥ 1")
	case o.W7Messages < 1 || o.W7SeedWorkers < 1 || o.W7Searches < 1 || o.W7Searchers < 1:
		return errors.New("W7 needs --w7-messages, --w7-seed-workers, --w7-searches and --w7-searchers ≥ 1")
	case o.W7Reuse && o.Prefix == "":
		return errors.New("--w7-reuse needs the --prefix of the run that seeded")
	case o.W8Users < 2 || o.W8Unread < 1 || o.W8Window < 0 || o.W8SeedWorkers < 1:
		return errors.New("W8 needs --w8-users ≥ 2, --w8-unread and --w8-seed-workers ≥ 1, --w8-window ≥ 0")
	case o.W6Subscribers < 1 || len(o.W6Rates) == 0 || o.W6Step <= 0 || o.W6Drain < 0:
		return errors.New("W6 needs --w6-subscribers ≥ 1, --w6-rates and --w6-step > 0")
	case o.SetupConcurrency < 1 || o.DialConcurrency < 1:
		return errors.New("--setup-concurrency and --dial-concurrency must be ≥ 1")
	}
	o.URL = strings.TrimRight(o.URL, "/")
	return nil
}

// Run runs the chosen workloads against the server, writing progress to
// progress (may be nil). It returns the report, with each workload's error
// in it, and the first error met.
func Run(ctx context.Context, o Options, progress io.Writer) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.MaxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.MaxDuration)
		defer cancel()
	}
	password := runPassword(o)
	if o.Prefix == "" {
		o.Prefix = "b" + randomHex(4)
	}
	e := &env{opts: o, hc: newHTTPClient(), prefix: o.Prefix, password: password, progress: progress, start: time.Now()}
	rep := &Report{URL: o.URL, Prefix: o.Prefix, StartedAt: e.start.UTC().Truncate(time.Second),
		Client: clientInfo(), Workloads: o.Workloads}
	soft, hard, ferr := raiseFileLimit()
	rep.Client.FileLimit, rep.Client.FileLimitMax = soft, hard
	if ferr != nil {
		rep.Client.FileLimitNote = "could not raise the open-file limit: " + ferr.Error()
	}
	admin, err := login(ctx, o.URL, e.hc, o.AdminUser, o.AdminPassword)
	if err != nil {
		return rep, fmt.Errorf("sign in as the admin: %w", err)
	}
	e.admin = admin
	var first error
	for _, w := range o.Workloads {
		e.logf("%s: starting", strings.ToUpper(w))
		var err error
		switch w {
		case "w1":
			rep.W1, err = runW1(ctx, e)
		case "w2":
			rep.W2, err = runW2(ctx, e)
		case "w3":
			rep.W3, err = runW3(ctx, e)
		case "w4":
			rep.W4, err = runW4(ctx, e)
		case "w5":
			rep.W5, err = runW5(ctx, e)
		case "w7":
			rep.W7, err = runW7(ctx, e)
		case "w6":
			rep.W6, err = runW6(ctx, e)
		case "w8":
			rep.W8, err = runW8(ctx, e)
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", strings.ToUpper(w), err)
			e.logf("%v", err)
			if rep.Errors == nil {
				rep.Errors = map[string]string{}
			}
			rep.Errors[w] = err.Error()
			if first == nil {
				first = err
			}
			if errors.Is(err, errLoginLimited) || ctx.Err() != nil {
				break
			}
		}
		e.logf("%s: done", strings.ToUpper(w))
	}
	rep.Seconds = roundTenth(time.Since(e.start).Seconds())
	return rep, first
}

func clientInfo() ClientInfo {
	return ClientInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func roundTenth(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// runPassword is the password of the users a run creates: random, or,
// when the prefix is given, derived from it and the admin's password, so
// a later run with both (W7's --w7-reuse) can sign them in again.
func runPassword(o Options) string {
	if o.Prefix == "" {
		return "pw-" + randomHex(12)
	}
	sum := sha256.Sum256([]byte("parley-bench\x00" + o.AdminPassword + "\x00" + o.Prefix))
	return "pw-" + hex.EncodeToString(sum[:12])
}
