// Package config reads Parley's settings from PARLEY_* environment variables
// and command-line flags of the same name (flag wins), with embedded-mode
// defaults so that `parley serve` starts with no set-up at all.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Parley process.
type Config struct {
	Addr        string
	PublicURL   string
	DataDir     string
	DatabaseURL string
	// DatabaseMaxConns bounds this process's PostgreSQL connections.
	DatabaseMaxConns int
	RedisURL         string
	RedisPrefix      string
	SMTPURL          string
	Secret           string
	// SecretPrevious is the signing key before a rotation; what it
	// signed still verifies.
	SecretPrevious string
	AutoMigrate    string // auto | true | false

	LogLevel  string
	LogFormat string // auto | json | text

	Worker            bool
	WorkerConcurrency int

	AccessTokenTTL     time.Duration
	RefreshTokenTTL    time.Duration
	OfflineNotifyDelay time.Duration
	// PushDelay is how long a message waits unread before its offline
	// recipient's devices get a Web Push; PushSubject is the contact the
	// push services see (see PushContact).
	PushDelay   time.Duration
	PushSubject string

	ConsoleOrigins []string
	TrustedProxies []*net.IPNet

	LoginLimitPerIP      int
	LoginLimitPerAccount int
	LoginLimitWindow     time.Duration
	RegisterLimitPerIP   int
	SendLimitPerMinute   int
	SearchLimitPerMinute int
	WSSendFramesPerSec   int

	MaxBodyBytes int64

	HTTPReadHeaderTimeout time.Duration
	HTTPReadTimeout       time.Duration
	HTTPIdleTimeout       time.Duration
	HTTPMinBodyRate       int64
	HTTPBodyRateWindow    time.Duration
	MaxConnsPerIP         int

	OutboundAllow []*net.IPNet

	SiteSecretGrace time.Duration

	PusherMaxEventBytes        int
	PusherClientEventsPerSec   int
	PusherAPIRequestsPerMinute int
	PusherPresenceTimeout      time.Duration

	ResetLimitPerAccount      int
	WidgetSessionLimitPerIP   int
	WidgetSiteLimitPerIP      int
	TicketLimitPerMinute      int
	UploadLimit               int
	UploadVisitorLimit        int
	UploadLimitWindow         time.Duration
	FriendRequestLimitPerHour int
	GroupJoinLimitPerHour     int

	RequireVerifiedEmail bool

	GroupMemberCap int

	UploadMaxImage         int64
	UploadMaxVoice         int64
	UploadMaxVoiceDuration time.Duration
	UploadMaxVideo         int64
	UploadMaxFile          int64
	UploadQuota            int64
	UploadVisitorQuota     int64
	MediaURLTTL            time.Duration

	UploadSiteVisitorDailyBudget int64
	UploadUnattachedTTL          time.Duration
	UploadCleanupInterval        time.Duration

	AgentGrace         time.Duration
	AgentNotifyDelay   time.Duration
	VisitorNotifyDelay time.Duration
	ViewerTTL          time.Duration

	RedPacketMaxCents int64
	RedPacketTTL      time.Duration

	PprofAddr string
}

// Setting describes one configuration value: its env var, its flag, its
// default and what it means. The README table lists exactly these.
type Setting struct {
	Env     string
	Flag    string
	Default string
	Help    string
	Secret  bool
	set     func(c *Config, v string) error
}

// Settings returns the table of every setting, in documentation order.
func Settings() []Setting {
	return []Setting{
		{Env: "PARLEY_ADDR", Flag: "addr", Default: ":8080", Help: "HTTP listen address", set: str(func(c *Config) *string { return &c.Addr })},
		{Env: "PARLEY_PUBLIC_URL", Flag: "public-url", Default: "", Help: "URL users reach Parley at (used in links and for the console Origin check); default http://localhost:PORT", set: str(func(c *Config) *string { return &c.PublicURL })},
		{Env: "PARLEY_DATA_DIR", Flag: "data-dir", Default: "./data", Help: "directory for the SQLite database, the generated secret and uploads", set: str(func(c *Config) *string { return &c.DataDir })},
		{Env: "PARLEY_DATABASE_URL", Flag: "database-url", Default: "", Help: "postgres://… for PostgreSQL; empty means SQLite at DATA_DIR/parley.db", Secret: true, set: str(func(c *Config) *string { return &c.DatabaseURL })},
		{Env: "PARLEY_DATABASE_MAX_CONNS", Flag: "database-max-conns", Default: "10", Help: "PostgreSQL connections one process holds at most, shared by requests and background jobs; beyond a few per database core they only take CPU from each other (see Performance)", set: integer(func(c *Config) *int { return &c.DatabaseMaxConns }, 1)},
		{Env: "PARLEY_REDIS_URL", Flag: "redis-url", Default: "", Help: "redis://… for one Redis server, redis-sentinel://…?master_name=… for a Sentinel-watched master, redis-cluster://…?addr=…&addr=… for a Redis Cluster (see Several nodes); empty means an in-process Redis-compatible server on loopback", Secret: true, set: str(func(c *Config) *string { return &c.RedisURL })},
		{Env: "PARLEY_REDIS_PREFIX", Flag: "redis-prefix", Default: "", Help: "prefix for Parley's Redis keys and job queue names, to share one Redis between deployments", set: str(func(c *Config) *string { return &c.RedisPrefix })},
		{Env: "PARLEY_SMTP_URL", Flag: "smtp-url", Default: "", Help: "smtp://user:pass@host:587?from=… (or smtps://); empty means mail is printed to the log", Secret: true, set: str(func(c *Config) *string { return &c.SMTPURL })},
		{Env: "PARLEY_SECRET", Flag: "secret", Default: "", Help: "signing key for tokens; empty means one is generated once and kept in DATA_DIR/secret", Secret: true, set: str(func(c *Config) *string { return &c.Secret })},
		{Env: "PARLEY_SECRET_PREVIOUS", Flag: "secret-previous", Default: "", Help: "the signing key before a rotation: access tokens, visitor tokens and media URLs it signed still verify; new ones use PARLEY_SECRET", Secret: true, set: str(func(c *Config) *string { return &c.SecretPrevious })},
		{Env: "PARLEY_SITE_SECRET_GRACE", Flag: "site-secret-grace", Default: "24h", Help: "how long a site's previous secret keeps verifying identity tokens and event API requests after a rotation", set: duration(func(c *Config) *time.Duration { return &c.SiteSecretGrace })},
		{Env: "PARLEY_PUSHER_MAX_EVENT_BYTES", Flag: "pusher-max-event-bytes", Default: "10240", Help: "largest Pusher event data, from the HTTP API or a client event (Pusher's limit is 10 KB)", set: integer(func(c *Config) *int { return &c.PusherMaxEventBytes }, 1)},
		{Env: "PARLEY_PUSHER_CLIENT_EVENTS_PER_SEC", Flag: "pusher-client-events-per-sec", Default: "10", Help: "client events (client-*) one Pusher socket may send a second", set: integer(func(c *Config) *int { return &c.PusherClientEventsPerSec }, 1)},
		{Env: "PARLEY_PUSHER_API_REQUESTS_PER_MINUTE", Flag: "pusher-api-requests-per-minute", Default: "6000", Help: "requests one Pusher app may make to the HTTP API (/apps/{app_id}/...) a minute", set: integer(func(c *Config) *int { return &c.PusherAPIRequestsPerMinute }, 1)},
		{Env: "PARLEY_PUSHER_PRESENCE_TIMEOUT", Flag: "pusher-presence-timeout", Default: "30s", Help: "how soon the presence members and channel subscriptions of a node that died are removed", set: duration(func(c *Config) *time.Duration { return &c.PusherPresenceTimeout })},
		{Env: "PARLEY_AUTO_MIGRATE", Flag: "auto-migrate", Default: "auto", Help: "apply database migrations at start-up: auto (yes on SQLite, no on PostgreSQL), true or false", set: oneOf(func(c *Config) *string { return &c.AutoMigrate }, "auto", "true", "false")},
		{Env: "PARLEY_LOG_LEVEL", Flag: "log-level", Default: "info", Help: "debug, info, warn or error", set: oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},
		{Env: "PARLEY_LOG_FORMAT", Flag: "log-format", Default: "auto", Help: "auto (JSON unless stdout is a terminal), json or text", set: oneOf(func(c *Config) *string { return &c.LogFormat }, "auto", "json", "text")},
		{Env: "PARLEY_WORKER", Flag: "worker", Default: "true", Help: "run the background job worker inside `parley serve`", set: boolean(func(c *Config) *bool { return &c.Worker })},
		{Env: "PARLEY_WORKER_CONCURRENCY", Flag: "worker-concurrency", Default: "10", Help: "background jobs run at once per process", set: integer(func(c *Config) *int { return &c.WorkerConcurrency }, 1)},
		{Env: "PARLEY_ACCESS_TOKEN_TTL", Flag: "access-token-ttl", Default: "15m", Help: "lifetime of access tokens", set: duration(func(c *Config) *time.Duration { return &c.AccessTokenTTL })},
		{Env: "PARLEY_REFRESH_TOKEN_TTL", Flag: "refresh-token-ttl", Default: "720h", Help: "lifetime of refresh tokens (each use rotates them)", set: duration(func(c *Config) *time.Duration { return &c.RefreshTokenTTL })},
		{Env: "PARLEY_OFFLINE_NOTIFY_DELAY", Flag: "offline-notify-delay", Default: "2m", Help: "how long a message waits unread before its offline recipient is mailed a digest", set: duration(func(c *Config) *time.Duration { return &c.OfflineNotifyDelay })},
		{Env: "PARLEY_PUSH_DELAY", Flag: "push-delay", Default: "15s", Help: "how long a message waits unread before the devices of its offline recipient get a Web Push (one per conversation per delay)", set: duration(func(c *Config) *time.Duration { return &c.PushDelay })},
		{Env: "PARLEY_PUSH_SUBJECT", Flag: "push-subject", Default: "", Help: "the contact (mailto: or https: URL) push services see in Web Push requests; empty means the public URL when it is https, else mailto:admin@ its host", set: pushSubject(func(c *Config) *string { return &c.PushSubject })},
		{Env: "PARLEY_CONSOLE_ORIGINS", Flag: "console-origins", Default: "", Help: "extra comma-separated origins allowed to open /ws as the console (the public URL's origin always is)", set: list(func(c *Config) *[]string { return &c.ConsoleOrigins })},
		{Env: "PARLEY_TRUSTED_PROXIES", Flag: "trusted-proxies", Default: "", Help: "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (client IP for rate limits, HTTPS for HSTS); empty trusts none", set: cidrs(func(c *Config) *[]*net.IPNet { return &c.TrustedProxies })},
		{Env: "PARLEY_LOGIN_LIMIT_PER_IP", Flag: "login-limit-per-ip", Default: "30", Help: "login attempts allowed per client IP per window", set: integer(func(c *Config) *int { return &c.LoginLimitPerIP }, 1)},
		{Env: "PARLEY_LOGIN_LIMIT_PER_ACCOUNT", Flag: "login-limit-per-account", Default: "10", Help: "login attempts allowed per account per window", set: integer(func(c *Config) *int { return &c.LoginLimitPerAccount }, 1)},
		{Env: "PARLEY_LOGIN_LIMIT_WINDOW", Flag: "login-limit-window", Default: "15m", Help: "window of the login and registration limits", set: duration(func(c *Config) *time.Duration { return &c.LoginLimitWindow })},
		{Env: "PARLEY_REGISTER_LIMIT_PER_IP", Flag: "register-limit-per-ip", Default: "10", Help: "registrations allowed per client IP per window", set: integer(func(c *Config) *int { return &c.RegisterLimitPerIP }, 1)},
		{Env: "PARLEY_RESET_LIMIT_PER_ACCOUNT", Flag: "reset-limit-per-account", Default: "5", Help: "password-reset mails one address may be sent per login-limit window (counted whether or not the address has an account)", set: integer(func(c *Config) *int { return &c.ResetLimitPerAccount }, 1)},
		{Env: "PARLEY_WIDGET_SESSION_LIMIT_PER_IP", Flag: "widget-session-limit-per-ip", Default: "120", Help: "widget sessions started per client IP per minute", set: integer(func(c *Config) *int { return &c.WidgetSessionLimitPerIP }, 1)},
		{Env: "PARLEY_WIDGET_SITE_LIMIT_PER_IP", Flag: "widget-site-limit-per-ip", Default: "120", Help: "reads of a site's public widget settings per client IP per minute", set: integer(func(c *Config) *int { return &c.WidgetSiteLimitPerIP }, 1)},
		{Env: "PARLEY_TICKET_LIMIT_PER_MINUTE", Flag: "ticket-limit-per-minute", Default: "60", Help: "realtime tickets one user or visitor may take per minute", set: integer(func(c *Config) *int { return &c.TicketLimitPerMinute }, 1)},
		{Env: "PARLEY_UPLOAD_LIMIT", Flag: "upload-limit", Default: "60", Help: "uploads one user may start per upload-limit window", set: integer(func(c *Config) *int { return &c.UploadLimit }, 1)},
		{Env: "PARLEY_UPLOAD_VISITOR_LIMIT", Flag: "upload-visitor-limit", Default: "30", Help: "uploads one widget visitor may start per upload-limit window", set: integer(func(c *Config) *int { return &c.UploadVisitorLimit }, 1)},
		{Env: "PARLEY_UPLOAD_LIMIT_WINDOW", Flag: "upload-limit-window", Default: "10m", Help: "window of the upload limits", set: duration(func(c *Config) *time.Duration { return &c.UploadLimitWindow })},
		{Env: "PARLEY_FRIEND_REQUEST_LIMIT_PER_HOUR", Flag: "friend-request-limit-per-hour", Default: "30", Help: "friend requests one user may send per hour", set: integer(func(c *Config) *int { return &c.FriendRequestLimitPerHour }, 1)},
		{Env: "PARLEY_GROUP_JOIN_LIMIT_PER_HOUR", Flag: "group-join-limit-per-hour", Default: "30", Help: "groups one user may join or ask to join per hour (by number or invite)", set: integer(func(c *Config) *int { return &c.GroupJoinLimitPerHour }, 1)},
		{Env: "PARLEY_REQUIRE_VERIFIED_EMAIL", Flag: "require-verified-email", Default: "true", Help: "accounts must verify their e-mail before they message, befriend, create or join groups, or upload (admins always may)", set: boolean(func(c *Config) *bool { return &c.RequireVerifiedEmail })},
		{Env: "PARLEY_SEND_LIMIT_PER_MINUTE", Flag: "send-limit-per-minute", Default: "600", Help: "messages one user may send per minute", set: integer(func(c *Config) *int { return &c.SendLimitPerMinute }, 1)},
		{Env: "PARLEY_SEARCH_LIMIT_PER_MINUTE", Flag: "search-limit-per-minute", Default: "60", Help: "message searches one user may run per minute", set: integer(func(c *Config) *int { return &c.SearchLimitPerMinute }, 1)},
		{Env: "PARLEY_WS_SEND_FRAMES_PER_SECOND", Flag: "ws-send-frames-per-second", Default: "50", Help: "send frames one socket may send per second (an identity twice as many over its sockets on a node); other frame types have fixed budgets", set: integer(func(c *Config) *int { return &c.WSSendFramesPerSec }, 1)},
		{Env: "PARLEY_GROUP_MEMBER_CAP", Flag: "group-member-cap", Default: "500", Help: "most members a group may have", set: integer(func(c *Config) *int { return &c.GroupMemberCap }, 2)},
		{Env: "PARLEY_AGENT_GRACE", Flag: "agent-grace", Default: "60s", Help: "how long an online agent who lost every connection still gets chats", set: duration(func(c *Config) *time.Duration { return &c.AgentGrace })},
		{Env: "PARLEY_AGENT_NOTIFY_DELAY", Flag: "agent-notify-delay", Default: "1m", Help: "how long a visitor's message waits unanswered before the responsible agents are mailed", set: duration(func(c *Config) *time.Duration { return &c.AgentNotifyDelay })},
		{Env: "PARLEY_VISITOR_NOTIFY_DELAY", Flag: "visitor-notify-delay", Default: "5m", Help: "how long an agent's reply waits unseen before it is mailed to the visitor (one mail per window)", set: duration(func(c *Config) *time.Duration { return &c.VisitorNotifyDelay })},
		{Env: "PARLEY_VIEWER_TTL", Flag: "viewer-ttl", Default: "45s", Help: "how long an agent stays listed as viewing a conversation after their node stops answering", set: duration(func(c *Config) *time.Duration { return &c.ViewerTTL })},
		{Env: "PARLEY_MAX_BODY_BYTES", Flag: "max-body-bytes", Default: "1048576", Help: "largest JSON request body accepted (bigger gets 413)", set: integer64(func(c *Config) *int64 { return &c.MaxBodyBytes }, 1024)},
		{Env: "PARLEY_HTTP_READ_HEADER_TIMEOUT", Flag: "http-read-header-timeout", Default: "10s", Help: "time a client has to send a request's headers", set: duration(func(c *Config) *time.Duration { return &c.HTTPReadHeaderTimeout })},
		{Env: "PARLEY_HTTP_READ_TIMEOUT", Flag: "http-read-timeout", Default: "10m", Help: "time a client has to send a whole request, body included (uploads too); WebSockets are not bound by it once open", set: duration(func(c *Config) *time.Duration { return &c.HTTPReadTimeout })},
		{Env: "PARLEY_HTTP_IDLE_TIMEOUT", Flag: "http-idle-timeout", Default: "2m", Help: "how long an idle keep-alive connection stays open between requests", set: duration(func(c *Config) *time.Duration { return &c.HTTPIdleTimeout })},
		{Env: "PARLEY_HTTP_MIN_BODY_RATE", Flag: "http-min-body-rate", Default: "1024", Help: "slowest a request body may arrive, in bytes per second averaged over PARLEY_HTTP_BODY_RATE_WINDOW; slower bodies are cut and their connection closed (0 turns it off)", set: integer64(func(c *Config) *int64 { return &c.HTTPMinBodyRate }, 0)},
		{Env: "PARLEY_HTTP_BODY_RATE_WINDOW", Flag: "http-body-rate-window", Default: "20s", Help: "window over which the body rate is measured; a body that sends nothing for this long is cut too", set: duration(func(c *Config) *time.Duration { return &c.HTTPBodyRateWindow })},
		{Env: "PARLEY_MAX_CONNS_PER_IP", Flag: "max-conns-per-ip", Default: "256", Help: "open connections (WebSockets included) one peer address may hold; more are closed at once. Peers in PARLEY_TRUSTED_PROXIES are not capped (0 turns the cap off)", set: integer(func(c *Config) *int { return &c.MaxConnsPerIP }, 0)},
		{Env: "PARLEY_OUTBOUND_ALLOW", Flag: "outbound-allow", Default: "", Help: "comma-separated CIDRs of internal addresses (loopback, private, link-local…) that requests Parley makes to URLs people typed, such as webhooks, may reach; empty reaches only public addresses", set: cidrs(func(c *Config) *[]*net.IPNet { return &c.OutboundAllow })},
		{Env: "PARLEY_UPLOAD_MAX_IMAGE", Flag: "upload-max-image", Default: "10MB", Help: "largest image upload (KB, MB, GB are powers of 1024)", set: size(func(c *Config) *int64 { return &c.UploadMaxImage })},
		{Env: "PARLEY_UPLOAD_MAX_VOICE", Flag: "upload-max-voice", Default: "5MB", Help: "largest voice upload", set: size(func(c *Config) *int64 { return &c.UploadMaxVoice })},
		{Env: "PARLEY_UPLOAD_MAX_VOICE_DURATION", Flag: "upload-max-voice-duration", Default: "5m", Help: "longest voice message", set: duration(func(c *Config) *time.Duration { return &c.UploadMaxVoiceDuration })},
		{Env: "PARLEY_UPLOAD_MAX_VIDEO", Flag: "upload-max-video", Default: "50MB", Help: "largest video upload", set: size(func(c *Config) *int64 { return &c.UploadMaxVideo })},
		{Env: "PARLEY_UPLOAD_MAX_FILE", Flag: "upload-max-file", Default: "25MB", Help: "largest upload of any other file", set: size(func(c *Config) *int64 { return &c.UploadMaxFile })},
		{Env: "PARLEY_UPLOAD_QUOTA", Flag: "upload-quota", Default: "1GB", Help: "storage each user's uploads may take in all", set: size(func(c *Config) *int64 { return &c.UploadQuota })},
		{Env: "PARLEY_UPLOAD_VISITOR_QUOTA", Flag: "upload-visitor-quota", Default: "50MB", Help: "storage each widget visitor's uploads may take in all", set: size(func(c *Config) *int64 { return &c.UploadVisitorQuota })},
		{Env: "PARLEY_UPLOAD_SITE_VISITOR_DAILY_BUDGET", Flag: "upload-site-visitor-daily-budget", Default: "1GB", Help: "storage the anonymous widget visitors of one site may upload in all per day (UTC)", set: size(func(c *Config) *int64 { return &c.UploadSiteVisitorDailyBudget })},
		{Env: "PARLEY_UPLOAD_UNATTACHED_TTL", Flag: "upload-unattached-ttl", Default: "24h", Help: "how long an upload no message carries is kept before the clean-up deletes it", set: duration(func(c *Config) *time.Duration { return &c.UploadUnattachedTTL })},
		{Env: "PARLEY_UPLOAD_CLEANUP_INTERVAL", Flag: "upload-cleanup-interval", Default: "1h", Help: "how often the upload clean-up runs (unattached uploads, files without a row)", set: duration(func(c *Config) *time.Duration { return &c.UploadCleanupInterval })},
		{Env: "PARLEY_MEDIA_URL_TTL", Flag: "media-url-ttl", Default: "24h", Help: "lifetime of the signed URLs that serve media", set: duration(func(c *Config) *time.Duration { return &c.MediaURLTTL })},
		{Env: "PARLEY_RED_PACKET_MAX_CENTS", Flag: "red-packet-max-cents", Default: "20000", Help: "largest red packet, in cents", set: integer64(func(c *Config) *int64 { return &c.RedPacketMaxCents }, 1)},
		{Env: "PARLEY_RED_PACKET_TTL", Flag: "red-packet-ttl", Default: "24h", Help: "how long a red packet can be grabbed before what is left goes back to its sender", set: duration(func(c *Config) *time.Duration { return &c.RedPacketTTL })},
		{Env: "PARLEY_PPROF_ADDR", Flag: "pprof-addr", Default: "", Help: "loopback address (e.g. 127.0.0.1:6060) serving Go's /debug/pprof profiles, for operators on the host only; empty turns it off", set: loopback(func(c *Config) *string { return &c.PprofAddr })},
	}
}

// Load builds a Config from defaults, then the environment (getenv), then
// the flags in args (flag wins). fs may already hold the subcommand's own
// flags; Load adds one flag per setting and parses args with it.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	settings := Settings()
	flagVals := make([]*string, len(settings))
	for i, s := range settings {
		if err := s.set(c, s.Default); err != nil {
			return nil, fmt.Errorf("default of %s: %w", s.Env, err)
		}
		flagVals[i] = fs.String(s.Flag, "", fmt.Sprintf("%s (env %s, default %q)", s.Help, s.Env, s.Default))
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for i, s := range settings {
		v, ok := getenv(s.Env), getenv(s.Env) != ""
		if given[s.Flag] {
			v, ok = *flagVals[i], true
		}
		if !ok {
			continue
		}
		if err := s.set(c, v); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Env, err)
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("PARLEY_PUBLIC_URL: %q is not an absolute URL", c.PublicURL)
	}
	return c, nil
}

// pushSubject accepts a mailto: or https: contact, or nothing.
func pushSubject(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "https://") {
			return fmt.Errorf("%q: want a mailto: address or an https:// URL", v)
		}
		*field(c) = v
		return nil
	}
}

// PushContact is the VAPID subject: PARLEY_PUSH_SUBJECT, else the public
// URL when it is https, else mailto:admin@ the public URL's host.
func (c *Config) PushContact() string {
	if c.PushSubject != "" {
		return c.PushSubject
	}
	u, err := url.Parse(c.PublicURL)
	if err == nil && u.Scheme == "https" {
		return c.PublicOrigin()
	}
	host := "localhost"
	if err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "mailto:admin@" + host
}

func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Embedded reports whether the database is the built-in SQLite.
func (c *Config) Embedded() bool { return c.DatabaseURL == "" }

// MigrateOnStart reports whether serve applies migrations at start-up.
func (c *Config) MigrateOnStart() bool {
	switch c.AutoMigrate {
	case "true":
		return true
	case "false":
		return false
	}
	return c.Embedded()
}

// PublicOrigin is the scheme://host[:port] of the public URL.
func (c *Config) PublicOrigin() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Scheme + "://" + u.Host
}

// EnsureDataDir creates the data dir and, when no secret is configured,
// reads the one kept there or generates and keeps a new one.
func (c *Config) EnsureDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if c.Secret != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.Secret = strings.TrimSpace(string(b))
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	c.Secret = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(c.Secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep secret: %w", err)
	}
	return nil
}

// Masked returns every setting as env name → value with secrets and URL
// passwords hidden, for the start-up log.
func (c *Config) Masked() map[string]string {
	vals := map[string]string{
		"PARLEY_ADDR": c.Addr, "PARLEY_PUBLIC_URL": c.PublicURL, "PARLEY_DATA_DIR": c.DataDir,
		"PARLEY_DATABASE_URL": maskURL(c.DatabaseURL), "PARLEY_REDIS_URL": maskURL(c.RedisURL),
		"PARLEY_REDIS_PREFIX": c.RedisPrefix, "PARLEY_SMTP_URL": maskURL(c.SMTPURL),
		"PARLEY_AUTO_MIGRATE": c.AutoMigrate, "PARLEY_WORKER": strconv.FormatBool(c.Worker),
		"PARLEY_OFFLINE_NOTIFY_DELAY": c.OfflineNotifyDelay.String(),
		"PARLEY_PUSH_DELAY":           c.PushDelay.String(),
		"PARLEY_PUSH_SUBJECT":         c.PushContact(),
	}
	if c.Secret != "" {
		vals["PARLEY_SECRET"] = "***"
	}
	if c.SecretPrevious != "" {
		vals["PARLEY_SECRET_PREVIOUS"] = "***"
	}
	return vals
}

func maskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "***"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.Redacted()
}

func str(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

// loopback accepts an empty value or a host:port whose host is a loopback
// IP or localhost: profiles must never be reachable from the network.
func loopback(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" {
			host, _, err := net.SplitHostPort(v)
			if err != nil {
				return fmt.Errorf("want host:port on loopback, e.g. 127.0.0.1:6060: %w", err)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return fmt.Errorf("%q is not a loopback address (127.0.0.1, ::1 or localhost)", host)
			}
		}
		*field(c) = v
		return nil
	}
}

func oneOf(field func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*field(c) = b
		return nil
	}
}

func integer(field func(*Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("%q is not a whole number ≥ %d", v, min)
		}
		*field(c) = n
		return nil
	}
}

func integer64(field func(*Config) *int64, min int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			return fmt.Errorf("%q is not a whole number ≥ %d", v, min)
		}
		*field(c) = n
		return nil
	}
}

// size parses a byte count with an optional KB, MB or GB suffix (powers
// of 1024), e.g. 10MB.
func size(field func(*Config) *int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		num, mult := strings.ToUpper(strings.TrimSpace(v)), int64(1)
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
			if strings.HasSuffix(num, u.suffix) {
				num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
				break
			}
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 1 || n > (1<<62)/mult {
			return fmt.Errorf("%q is not a size such as 512KB, 10MB or 1GB", v)
		}
		*field(c) = n * mult
		return nil
	}
}

func duration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration such as 90s or 2m", v)
		}
		*field(c) = d
		return nil
	}
}

// cidrs parses a comma-separated list of IPs (taken as single hosts) and
// CIDR ranges.
func cidrs(field func(*Config) *[]*net.IPNet) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []*net.IPNet
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !strings.Contains(p, "/") {
				ip := net.ParseIP(p)
				if ip == nil {
					return fmt.Errorf("%q is not an IP address or CIDR range", p)
				}
				bits := 128
				if ip.To4() != nil {
					ip, bits = ip.To4(), 32
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
				continue
			}
			_, n, err := net.ParseCIDR(p)
			if err != nil {
				return fmt.Errorf("%q is not an IP address or CIDR range", p)
			}
			out = append(out, n)
		}
		*field(c) = out
		return nil
	}
}

func list(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, strings.TrimRight(p, "/"))
			}
		}
		*field(c) = out
		return nil
	}
}
