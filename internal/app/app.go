// Package app wires Parley together: it builds every part from the
// configuration, in order, with plain constructors, and runs the
// subcommands. Nothing else in Parley constructs services.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"

	agentconsole "github.com/parley-chat/parley/agent-console"
	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/automation"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/httpapi"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/kv"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/push"
	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/realtime"
	"github.com/parley-chat/parley/internal/social"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/support"
	"github.com/parley-chat/parley/internal/wallet"
	"github.com/parley-chat/parley/internal/web"
	"github.com/parley-chat/parley/internal/webhooks"
	"github.com/parley-chat/parley/migrations"
	"github.com/parley-chat/parley/widget"
)

// App is one running Parley process with all its parts.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	Clock    clockwork.Clock // every part reads the time and waits by it
	Store    *store.Store
	KV       *kv.KV
	Metrics  *metrics.Metrics
	Mailer   notify.Mailer
	Jobs     *jobs.Client
	Hub      *realtime.Hub
	Pusher   *pusher.Service
	Auth     *auth.Service
	Chat     *chat.Service
	Social   *social.Service
	Media    *media.Service
	Routing  *support.Routing
	Sites    *support.Sites
	Inbox    *support.Inbox
	Visitors *support.Visitors
	Reports  *support.Reports
	Labels   *support.Labels
	Webhooks *webhooks.Service
	Bots     *support.Bots
	Outbound *outbound.Client // every request to a URL someone typed
	Push     *push.Service
	Wallet   *wallet.Service
	Audit    *audit.Service
	HTTP     *httpapi.Server
	worker   *jobs.Worker
	schedule *jobs.Scheduler

	// Automation manages and runs the sites' automation rules.
	Automation *automation.Service

	FollowUps *support.FollowUps // support's follow-up mails, run by the worker
}

// Option changes how New builds the parts, for those who embed Parley
// (the test kit): `parley serve` passes none.
type Option func(*options)

type options struct {
	clock clockwork.Clock
	gate  chat.Gate
}

// WithClock makes every part read the time from clock instead of the real
// one: a clockwork.FakeClock lets time-outs, expiries and delayed jobs
// come due when it is moved forward.
func WithClock(clock clockwork.Clock) Option { return func(o *options) { o.clock = clock } }

// WithSendGate makes the chat service's send writer pass gate before each
// batch it commits (see chat.Gate).
func WithSendGate(gate chat.Gate) Option { return func(o *options) { o.gate = gate } }

// New builds every part. Migrations are applied first when the
// configuration says so; otherwise pending migrations are an error.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	o := options{clock: clockwork.NewRealClock()}
	for _, opt := range opts {
		opt(&o)
	}
	clock := o.clock
	a := &App{Config: cfg, Log: log, Clock: clock, Metrics: metrics.New()}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	var err error
	if a.Store, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log); err != nil {
		return nil, err
	}
	a.Store.SetMaxConns(cfg.DatabaseMaxConns)
	if err := a.prepareSchema(ctx); err != nil {
		return nil, err
	}
	if a.KV, err = kv.Open(ctx, cfg.RedisURL, cfg.RedisPrefix); err != nil {
		return nil, err
	}
	mailer, err := notify.New(cfg.SMTPURL, log)
	if err != nil {
		return nil, fmt.Errorf("PARLEY_SMTP_URL: %w", err)
	}
	a.Mailer = a.Metrics.CountMails(mailer)
	a.Jobs = jobs.NewClient(a.KV.NewClient(), a.Store, cfg.RedisPrefix, clock, log, a.Metrics)
	a.Hub = realtime.NewHub(newBroker(cfg, a.KV, log, a.Metrics), log, a.Metrics)
	a.Hub.SetBudgets(realtime.DefaultBudgets(cfg.WSSendFramesPerSec))
	// Rate limits live in Redis, shared by every node; in embedded mode one
	// process serves everything, and keeps them in its memory.
	limiter := ratelimit.New(a.KV.Client, a.KV.Key("rl"))
	if a.KV.Embedded() {
		limiter = ratelimit.NewInProcess(clock)
	}
	a.Auth = auth.New(a.Store, a.KV.Client, a.KV.Key, limiter, a.Jobs, a.Mailer, userSockets{a.Hub, log}, auth.Config{
		Secret: cfg.Secret, PreviousSecret: cfg.SecretPrevious, PublicURL: cfg.PublicURL,
		AccessTokenTTL: cfg.AccessTokenTTL, RefreshTokenTTL: cfg.RefreshTokenTTL,
		Limits: auth.Limits{
			LoginPerIP: cfg.LoginLimitPerIP, LoginPerAccount: cfg.LoginLimitPerAccount,
			RegisterPerIP: cfg.RegisterLimitPerIP, Window: cfg.LoginLimitWindow,
			ResetPerAccount: cfg.ResetLimitPerAccount, TicketsPerMinute: cfg.TicketLimitPerMinute,
			VerifyMailPerAccount: cfg.ResetLimitPerAccount,
		},
		RequireVerifiedEmail: cfg.RequireVerifiedEmail, Clock: clock,
	}, log)
	a.Audit = audit.New(a.Store, log)
	a.Outbound = outbound.New(outbound.Config{Allow: cfg.OutboundAllow, PublicURL: cfg.PublicURL})
	a.Webhooks = webhooks.New(a.Store, a.Jobs, a.Outbound, clock, log)
	a.Pusher = pusher.New(a.Store, a.Hub, a.KV.Client, a.KV.Key, limiter, a.Webhooks, a.Metrics, pusher.Config{
		SecretGrace: cfg.SiteSecretGrace, MaxEventBytes: cfg.PusherMaxEventBytes, ClientEventsPerSecond: cfg.PusherClientEventsPerSec,
		PresenceTimeout: cfg.PusherPresenceTimeout, APIRequestsPerMinute: cfg.PusherAPIRequestsPerMinute, Clock: clock,
	}, log)
	if a.Media, err = newMedia(a.Store, limiter, cfg, clock, log); err != nil {
		return nil, err
	}
	// Chat is built with the rules of every kind of conversation; those
	// need only the store and what is built above. The services that
	// need chat come after it.
	packets := wallet.NewPackets(a.Store, clock)
	views := chat.NewViews(a.Store, a.Media, packets)
	supportRules := support.NewRules(a.Store, views, a.Hub, support.Viewers{Redis: a.KV.Client, Key: a.KV.Key, TTL: cfg.ViewerTTL}, a.Jobs, a.Webhooks, a.Mailer, support.Config{
		PublicURL: cfg.PublicURL, Secret: cfg.Secret, AgentGrace: cfg.AgentGrace,
		PreviousSecret: cfg.SecretPrevious, SiteSecretGrace: cfg.SiteSecretGrace,
		WidgetSessionsPerIPPerMinute: cfg.WidgetSessionLimitPerIP, WidgetSiteReadsPerIPPerMinute: cfg.WidgetSiteLimitPerIP,
		AgentNotifyDelay: cfg.AgentNotifyDelay, VisitorNotifyDelay: cfg.VisitorNotifyDelay,
		Clock: clock,
	}, log)
	supportRules.UseAutomation(automation.NewHook(a.Jobs))
	kinds := chat.Kinds{
		store.KindDirect:  social.DirectKind{},
		store.KindGroup:   social.NewGroupKind(clock),
		store.KindSupport: supportRules,
	}
	a.Chat = chat.New(a.Store, a.Hub, presence{a.Hub}, a.Jobs, a.Mailer, limiter, a.Metrics, kinds, views, chat.Config{
		PublicURL: cfg.PublicURL, OfflineNotifyDelay: cfg.OfflineNotifyDelay, PushDelay: cfg.PushDelay, SendLimitPerMinute: cfg.SendLimitPerMinute,
		SearchLimitPerMinute: cfg.SearchLimitPerMinute, Clock: clock, Gate: o.gate,
	}, log)
	if a.Push, err = push.New(ctx, a.Store, a.Chat, a.Outbound, a.Metrics, push.Config{
		Subject: cfg.PushContact(), Window: cfg.PushDelay, Clock: clock,
	}, log); err != nil {
		return nil, err
	}
	sessions := func(userID int64) int { return a.Hub.Sessions(chat.UserKey(userID)) }
	var tracker social.PresenceTracker = social.NewLocalPresence(sessions)
	if cfg.RedisURL != "" {
		tracker = social.NewRedisPresence(a.KV.Client, cfg.RedisPrefix, sessions)
	}
	a.Social = social.New(a.Store, a.Chat, tracker, limiter, social.Config{PublicURL: cfg.PublicURL, GroupMemberCap: cfg.GroupMemberCap,
		FriendRequestsPerHour: cfg.FriendRequestLimitPerHour, GroupJoinsPerHour: cfg.GroupJoinLimitPerHour, Clock: clock}, log)
	a.Routing = support.NewRouting(supportRules, a.Chat, sessions)
	a.Sites = support.NewSites(supportRules, a.Routing)
	a.Inbox = support.NewInbox(supportRules, a.Chat)
	a.Visitors = support.NewVisitors(supportRules, a.Routing, a.Chat, limiter)
	a.FollowUps = support.NewFollowUps(supportRules, a.Chat, a.Mailer)
	a.Reports = support.NewReports(supportRules)
	a.Labels = support.NewLabels(supportRules, a.Chat)
	a.Automation = automation.New(automation.Deps{Store: a.Store, Jobs: a.Jobs, Routing: a.Routing, Labels: a.Labels, Chat: a.Chat,
		Webhooks: a.Webhooks, Outbound: a.Outbound, Clock: clock, Log: log})
	a.Bots = support.NewBots(supportRules, a.Routing, a.Chat, a.Outbound, limiter)
	a.Wallet = wallet.New(a.Store, a.Chat, packets, a.Jobs, wallet.Config{RedPacketMaxCents: cfg.RedPacketMaxCents, RedPacketTTL: cfg.RedPacketTTL, Clock: clock}, log)
	a.HTTP = httpapi.New(httpapi.Config{
		PublicURL: cfg.PublicURL, ConsoleOrigins: cfg.ConsoleOrigins, MaxBodyBytes: cfg.MaxBodyBytes, TrustedProxies: cfg.TrustedProxies,
		BodyRate: httpapi.BodyRate{Min: cfg.HTTPMinBodyRate, Window: cfg.HTTPBodyRateWindow, Total: cfg.HTTPReadTimeout},
	}, httpapi.Deps{
		Auth: a.Auth, Chat: a.Chat, Social: a.Social, Routing: a.Routing, Sites: a.Sites, Inbox: a.Inbox, Visitors: a.Visitors, Reports: a.Reports, Labels: a.Labels, Automation: a.Automation, Bots: a.Bots, Webhooks: a.Webhooks, Hub: a.Hub, Pusher: a.Pusher, Metrics: a.Metrics, Log: log, Push: a.Push,
		Media: a.Media, Wallet: a.Wallet, Audit: a.Audit,
		Ready: []httpapi.Checker{
			{Name: "database", Check: a.Store.Ping},
			{Name: "redis", Check: a.KV.Ping},
			{Name: "disk", Check: diskCheck(cfg.DataDir, a.Store)},
		},
		Static: web.New(sub(agentconsole.Dist), sub(widget.Dist), a.Sites.DemoSiteKey, a.Visitors.FrameAncestors),
	})
	a.worker = jobs.NewWorker(a.KV.AsynqOpt(), cfg.RedisPrefix, cfg.WorkerConcurrency,
		jobs.Handlers{Verify: a.Auth, Digest: a.Chat, Push: a.Push, Routing: a.Routing, FollowUp: a.FollowUps, Webhooks: a.Webhooks, Wallet: a.Wallet, Media: a.Media, Rules: a.Automation, Bots: a.Bots}, a.Store, clock, log, a.Metrics)
	if a.schedule, err = jobs.NewScheduler(a.KV.AsynqOpt(), cfg.RedisPrefix, jobs.Periods{CleanUploads: cfg.UploadCleanupInterval}, log); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

func (a *App) prepareSchema(ctx context.Context) error {
	if a.Config.MigrateOnStart() {
		applied, err := a.Store.Migrate(ctx, migrations.FS)
		if err != nil {
			return err
		}
		for _, name := range applied {
			a.Log.Info("migration applied", "name", name)
		}
		return nil
	}
	list, err := a.Store.Migrations(ctx, migrations.FS)
	if err != nil {
		return err
	}
	for _, m := range list {
		if m.AppliedAt == nil {
			return fmt.Errorf("migration %s is not applied: run `parley migrate up` (or set PARLEY_AUTO_MIGRATE=true)", m.Name)
		}
	}
	return nil
}

// Serve runs HTTP, WebSocket and (if configured) the worker on ln until
// ctx is done, then shuts down gracefully: sockets closed with 1012,
// in-flight requests finished, running jobs drained.
func (a *App) Serve(ctx context.Context, ln net.Listener, withWorker bool) error {
	if err := a.Hub.Start(ctx); err != nil {
		return err
	}
	if withWorker {
		if err := a.worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		if err := a.startPeriodic(ctx); err != nil {
			return err
		}
	}
	go a.Jobs.RunRelay(ctx)
	go a.Inbox.RunViewers(ctx)
	go a.Pusher.Run(ctx)
	// Strangers get bounded time and connections: slow headers and bodies
	// are cut (the WebSocket upgrader clears these deadlines once the
	// socket is open; melody's ping/pong watches it from then on), and one
	// peer address holds at most PARLEY_MAX_CONNS_PER_IP connections.
	srv := &http.Server{
		Handler:           a.HTTP.Handler(),
		ReadHeaderTimeout: a.Config.HTTPReadHeaderTimeout,
		ReadTimeout:       a.Config.HTTPReadTimeout,
		IdleTimeout:       a.Config.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	ln = httpapi.LimitConnsPerIP(ln, a.Config.MaxConnsPerIP, a.Config.TrustedProxies, a.Metrics)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.Log.Info("shutting down")
	// Sends first: every queued one gets its ack or unavailable while the
	// sockets are still open to carry the answers; then the sockets close
	// (1012) after the frame each is handling; then HTTP drains.
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	dctx, dcancel := context.WithTimeout(sctx, 10*time.Second)
	a.Chat.Close(dctx)
	dcancel()
	a.Hub.Close(sctx)
	_ = srv.Shutdown(sctx)
	if withWorker {
		a.schedule.Shutdown()
		a.worker.Shutdown()
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// RunWorker runs only the job worker until ctx is done.
func (a *App) RunWorker(ctx context.Context) error {
	if err := a.worker.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := a.startPeriodic(ctx); err != nil {
		return err
	}
	go a.Jobs.RunRelay(ctx)
	a.Log.Info("worker started", "concurrency", a.Config.WorkerConcurrency)
	<-ctx.Done()
	a.schedule.Shutdown()
	a.worker.Shutdown()
	return nil
}

// startPeriodic starts enqueueing the periodic tasks and cleans uploads
// once now: files a stopped process wrote without recording them go at
// start-up rather than a period later.
func (a *App) startPeriodic(ctx context.Context) error {
	if err := a.schedule.Start(); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	go func() {
		if err := a.Media.CleanUploads(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("upload clean-up at start-up failed", "err", err)
		}
	}()
	return nil
}

// Close releases every connection.
func (a *App) Close() {
	if a.Jobs != nil {
		a.Jobs.Close()
	}
	if a.KV != nil {
		a.KV.Close()
	}
	if a.Store != nil {
		a.Store.Close()
	}
}

// presence answers "is this user connected?" from the hub: this node's
// sessions, else any other live node's (through the broker).
type presence struct{ hub *realtime.Hub }

// userSockets closes a user's sockets on every node for auth.
type userSockets struct {
	hub *realtime.Hub
	log *slog.Logger
}

func (u userSockets) CloseUser(ctx context.Context, userID int64, reason string) {
	if err := u.hub.Disconnect(ctx, chat.UserKey(userID), reason); err != nil {
		u.log.WarnContext(ctx, "closing sockets on other nodes failed", "user_id", userID, "err", err)
	}
}

func (p presence) Online(_ context.Context, userID int64) bool {
	return p.hub.Sessions(chat.UserKey(userID)) > 0
}

// newBroker picks how nodes tell each other about frames: Redis pub/sub
// when Redis is shared (PARLEY_REDIS_URL), nothing to do for the single
// node of embedded mode.
func newBroker(cfg *config.Config, k *kv.KV, log *slog.Logger, m *metrics.Metrics) realtime.Broker {
	if cfg.RedisURL == "" {
		return realtime.NewLocalBroker()
	}
	return realtime.NewRedisBroker(k.Client, cfg.RedisPrefix, log, m)
}
