package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// limitCase is one rate limit: n calls of hit pass, the next gets 429;
// then fresh, when set, is the same call by another identity (or for
// another account), which the limit must not touch.
type limitCase struct {
	name  string
	set   func(c *config.Config, n int)
	setup func(t *testing.T, srv *testkit.Server) (hit, fresh func() *testkit.Response)
}

// liftNewLimits lifts the limits tested here out of the way of tests that
// call the same routes many times from one address.
func liftNewLimits(c *config.Config) {
	c.ResetLimitPerAccount, c.WidgetSessionLimitPerIP, c.WidgetSiteLimitPerIP, c.TicketLimitPerMinute = 100000, 100000, 100000, 100000
	c.UploadLimit, c.UploadVisitorLimit, c.FriendRequestLimitPerHour, c.GroupJoinLimitPerHour = 100000, 100000, 100000, 100000
}

func TestRateLimitsAnswer429WithRetryAfter(t *testing.T) {
	const n = 3
	post := func(c *testkit.Client, path string, body any) func() *testkit.Response {
		return func() *testkit.Response { return c.Raw("POST", path, body) }
	}
	cases := []limitCase{
		{"login per account", func(c *config.Config, n int) { c.LoginLimitPerAccount = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			srv.NewUser(admin, "bob")
			c := srv.Client()
			return post(c, "/api/v1/auth/login", map[string]string{"login": "admin", "password": "wrong-password"}),
				post(c, "/api/v1/auth/login", map[string]string{"login": "bob", "password": "password-bob"})
		}},
		{"login per IP", func(c *config.Config, n int) { c.LoginLimitPerIP = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			srv.Setup()
			i := 0
			return func() *testkit.Response {
				i++
				return srv.Client().Raw("POST", "/api/v1/auth/login", map[string]string{"login": fmt.Sprintf("who%d", i), "password": "wrong-password"})
			}, nil
		}},
		{"register per IP", func(c *config.Config, n int) { c.RegisterLimitPerIP = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			i := 0
			return func() *testkit.Response {
				i++
				return srv.Client().Raw("POST", "/api/v1/auth/register", map[string]string{
					"username": fmt.Sprintf("new%d", i), "email": fmt.Sprintf("new%d@example.com", i), "password": "correct-horse-battery"})
			}, nil
		}},
		{"password reset per address", func(c *config.Config, n int) { c.ResetLimitPerAccount = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			srv.Setup()
			c := srv.Client()
			return post(c, "/api/v1/auth/password-reset", map[string]string{"email": "admin@example.com"}),
				post(c, "/api/v1/auth/password-reset", map[string]string{"email": "someone@example.com"})
		}},
		{"password reset per IP", func(c *config.Config, n int) { c.RegisterLimitPerIP = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			i := 0
			return func() *testkit.Response {
				i++
				return srv.Client().Raw("POST", "/api/v1/auth/password-reset", map[string]string{"email": fmt.Sprintf("x%d@example.com", i)})
			}, nil
		}},
		{"widget sessions per IP", func(c *config.Config, n int) { c.WidgetSessionLimitPerIP = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			key := newSite(t, srv, srv.Setup())
			return func() *testkit.Response {
				return srv.Client().Raw("POST", "/api/v1/widget/session", map[string]string{"site_key": key, "page_url": srv.URL + "/demo"})
			}, nil
		}},
		{"widget site settings per IP", func(c *config.Config, n int) { c.WidgetSiteLimitPerIP = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			key := newSite(t, srv, srv.Setup())
			return func() *testkit.Response { return srv.Client().Raw("GET", "/api/v1/widget/sites/"+key, nil) }, nil
		}},
		{"realtime tickets per identity", func(c *config.Config, n int) { c.TicketLimitPerMinute = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			return post(admin, "/api/v1/realtime/ticket", nil), post(srv.NewUser(admin, "bob"), "/api/v1/realtime/ticket", nil)
		}},
		{"visitor tickets per identity", func(c *config.Config, n int) { c.TicketLimitPerMinute = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			key := newSite(t, srv, srv.Setup())
			v1, _ := srv.NewVisitor(key, nil)
			v2, _ := srv.NewVisitor(key, nil)
			return post(v1.Client, "/api/v1/realtime/ticket", nil), post(v2.Client, "/api/v1/realtime/ticket", nil)
		}},
		{"sends per sender", func(c *config.Config, n int) { c.SendLimitPerMinute = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			bob := srv.NewUser(admin, "bob")
			srv.MakeFriends(admin, bob)
			conv := admin.OpenDirect(bob.UserID)
			i := 0
			send := func(c *testkit.Client) func() *testkit.Response {
				return func() *testkit.Response {
					i++
					return c.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": fmt.Sprintf("c%d", i), "body": "hi"})
				}
			}
			return send(admin), send(bob)
		}},
		{"visitor sends per visitor", func(c *config.Config, n int) { c.SendLimitPerMinute = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			key := newSite(t, srv, srv.Setup())
			i := 0
			send := func() func() *testkit.Response {
				v, _ := srv.NewVisitor(key, nil)
				conv := v.Open(nil)
				return func() *testkit.Response {
					i++
					return v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": fmt.Sprintf("v%d", i), "body": "hi"})
				}
			}
			return send(), send()
		}},
		{"user uploads per user", func(c *config.Config, n int) { c.UploadLimit = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			return uploadPNG(t, admin), uploadPNG(t, srv.NewUser(admin, "bob"))
		}},
		{"visitor uploads per visitor", func(c *config.Config, n int) { c.UploadVisitorLimit = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			key := newSite(t, srv, srv.Setup())
			v1, _ := srv.NewVisitor(key, nil)
			v2, _ := srv.NewVisitor(key, nil)
			return uploadPNG(t, v1.Client), uploadPNG(t, v2.Client)
		}},
		{"friend requests per user", func(c *config.Config, n int) { c.FriendRequestLimitPerHour = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			var targets []int64
			for i := 0; i <= n; i++ {
				targets = append(targets, srv.NewUser(admin, fmt.Sprintf("target%d", i)).UserID)
			}
			bob := srv.NewUser(admin, "bob")
			i := 0
			return func() *testkit.Response {
				i++
				return admin.Raw("POST", "/api/v1/friend-requests", map[string]int64{"user_id": targets[i-1]})
			}, post(bob, "/api/v1/friend-requests", map[string]int64{"user_id": targets[0]})
		}},
		{"group joins per user", func(c *config.Config, n int) { c.GroupJoinLimitPerHour = n }, func(t *testing.T, srv *testkit.Server) (func() *testkit.Response, func() *testkit.Response) {
			admin := srv.Setup()
			bob, carol := srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol")
			var numbers []int64
			var token string
			for i := 0; i <= n; i++ {
				var g struct {
					ID     int64 `json:"id"`
					Number int64 `json:"number"`
				}
				admin.Do("POST", "/api/v1/groups", map[string]string{"name": fmt.Sprintf("g%d", i), "join_policy": "open"}, http.StatusCreated, &g)
				numbers = append(numbers, g.Number)
				if i == n {
					var inv struct {
						Token string `json:"token"`
					}
					admin.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]any{}, http.StatusCreated, &inv)
					token = inv.Token
				}
			}
			i := 0
			// The last call is an invite: joins by number and by invite
			// share one count.
			return func() *testkit.Response {
				i++
				if i > n {
					return bob.Raw("POST", "/api/v1/invites/"+token+"/accept", nil)
				}
				return bob.Raw("POST", "/api/v1/groups/join", map[string]int64{"number": numbers[i-1]})
			}, post(carol, "/api/v1/groups/join", map[string]int64{"number": numbers[0]})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { tc.set(c, n) }))
			hit, fresh := tc.setup(t, srv)
			for i := 1; i <= n; i++ {
				if r := hit(); r.Status == http.StatusTooManyRequests || r.Status >= 500 {
					t.Fatalf("call %d of %d: %d %s", i, n, r.Status, r.Body)
				}
			}
			r := hit()
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if r.Status != http.StatusTooManyRequests || r.ErrorCode() != "rate_limited" || err != nil || secs < 1 {
				t.Fatalf("call %d: %d %s (Retry-After %q)", n+1, r.Status, r.Body, r.Header.Get("Retry-After"))
			}
			if fresh != nil {
				if r := fresh(); r.Status == http.StatusTooManyRequests || r.Status >= 300 {
					t.Fatalf("another identity was limited too: %d %s", r.Status, r.Body)
				}
			}
		})
	}
}

func newSite(t *testing.T, srv *testkit.Server, admin *testkit.Client) string {
	var s siteView
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &s)
	return s.PublicKey
}

func uploadPNG(t *testing.T, c *testkit.Client) func() *testkit.Response {
	return func() *testkit.Response {
		body, ct := pngUpload(t)
		return c.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct)
	}
}
