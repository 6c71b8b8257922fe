package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestSessionsEndWithTheCredentials takes the point of view of a victim
// whose session was stolen: both the victim's and the thief's sockets are
// open on the other node, and the thief holds a ticket not yet used. A
// password change, signing out everywhere, a reused (leaked) refresh
// token and a disabling each close both sockets with 4001, void the
// ticket and the thief's access token; the new session a password change
// returns works.
func TestSessionsEndWithTheCredentials(t *testing.T) {
	nodes := testkit.StartCluster(t, 2, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.LoginLimitPerAccount = 100000, 100000
		liftNewLimits(c)
	}))
	a, b := nodes[0], nodes[1]
	admin := a.Setup()
	cases := []struct {
		name string
		end  func(victim, thief *testkit.Client) *testkit.Client // returns the victim's new session, if any
	}{
		{"password change", func(victim, _ *testkit.Client) *testkit.Client {
			var sess struct {
				AccessToken string `json:"access_token"`
			}
			victim.Do("POST", "/api/v1/me/password", map[string]string{"current_password": "password-" + victim.Username, "new_password": "a-brand-new-password"}, http.StatusOK, &sess)
			fresh := *victim
			fresh.Token = sess.AccessToken
			return &fresh
		}},
		{"sign-out everywhere", func(victim, _ *testkit.Client) *testkit.Client {
			victim.Do("POST", "/api/v1/auth/logout-all", nil, http.StatusNoContent, nil)
			return nil
		}},
		{"refresh token reused", func(_, thief *testkit.Client) *testkit.Client {
			spent := thief.RefreshToken
			thief.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": spent}, http.StatusOK, nil)
			r := thief.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": spent})
			if r.Status != http.StatusUnauthorized || r.ErrorCode() != "refresh_token_reused" {
				t.Fatalf("reuse: %d %s", r.Status, r.Body)
			}
			return nil
		}},
		{"disabling", func(victim, _ *testkit.Client) *testkit.Client {
			admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", victim.UserID), map[string]bool{"disabled": true}, http.StatusOK, nil)
			return nil
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("victim%d", i)
			victim := a.NewUser(admin, name)
			thief := a.Login(name, "password-"+name)
			victimWS, thiefWS := victim.On(b).Dial(), thief.On(b).Dial()
			unused := thief.On(b).Ticket()

			fresh := tc.end(victim, thief)

			expectRevoked(t, victimWS)
			expectRevoked(t, thiefWS)
			if _, resp, err := thief.On(b).DialRaw(unused, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("the unused ticket: %v %v, want 401", err, resp)
			}
			for _, node := range nodes {
				if r := thief.On(node).Raw("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
					t.Errorf("the thief's access token on %s: %d %s, want 401", node.URL, r.Status, r.Body)
				}
			}
			if fresh != nil {
				fresh.Do("GET", "/api/v1/me", nil, http.StatusOK, nil)
				fresh.On(b).Dial()
			}
		})
	}
}

// TestTicketRedemptionReadsTheAccount mints a ticket, demotes the account
// and then redeems it: the socket carries the role the account has now,
// not the one it had when the ticket was minted.
func TestTicketRedemptionReadsTheAccount(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	agent := newStaff(t, srv, admin, "agent", "agent")
	minted := agent.Ticket()
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", agent.UserID), map[string]string{"role": "user"}, http.StatusOK, nil)
	conn, resp, err := agent.DialRaw(minted, nil)
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	defer conn.Close()
	var hello struct {
		Type     string `json:"type"`
		Identity struct {
			ID   int64  `json:"id"`
			Role string `json:"role"`
		} `json:"identity"`
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := conn.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		t.Fatalf("first frame %+v (%v), want hello", hello, err)
	}
	if hello.Identity.ID != agent.UserID || hello.Identity.Role != "user" {
		t.Errorf("socket identity %+v, want user %d with role user", hello.Identity, agent.UserID)
	}
}

// TestRedisAwayRolesAndDisablingFailClosed stops the deployment's Redis,
// which holds the marks that make role changes and disablings take effect
// before old access tokens expire, then demotes an admin and an agent and
// disables a user: the database answers instead, and none of them keeps
// what they lost.
func TestRedisAwayRolesAndDisablingFailClosed(t *testing.T) {
	redis := miniredis.NewMiniRedis()
	if err := redis.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.RedisURL = "redis://" + redis.Addr() }))
	admin := srv.Setup()
	var site siteView
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	boss := newStaff(t, srv, admin, "boss", "admin")
	agent := newStaff(t, srv, admin, "agent", "agent")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, agent.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
	user := srv.NewUser(admin, "user")
	sitePath := fmt.Sprintf("/api/v1/sites/%d", site.ID)
	boss.Do("GET", "/api/v1/admin/users", nil, http.StatusOK, nil)
	agent.Do("GET", sitePath, nil, http.StatusOK, nil)
	user.Do("GET", "/api/v1/me", nil, http.StatusOK, nil)

	redis.Close()
	for _, p := range []struct {
		id   int64
		body map[string]any
	}{{boss.UserID, map[string]any{"role": "user"}}, {agent.UserID, map[string]any{"role": "user"}}, {user.UserID, map[string]any{"disabled": true}}} {
		admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", p.id), p.body, http.StatusOK, nil)
	}
	if r := boss.Raw("GET", "/api/v1/admin/users", nil); r.Status != http.StatusForbidden {
		t.Errorf("demoted admin lists users: %d %s, want 403", r.Status, r.Body)
	}
	if r := boss.Raw("POST", "/api/v1/sites", map[string]string{"name": "Mine"}); r.Status != http.StatusForbidden {
		t.Errorf("demoted admin creates a site: %d %s, want 403", r.Status, r.Body)
	}
	if r := agent.Raw("GET", sitePath, nil); r.Status != http.StatusForbidden {
		t.Errorf("demoted agent reads the site: %d %s, want 403", r.Status, r.Body)
	}
	if r := user.Raw("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("disabled user: %d %s, want 401", r.Status, r.Body)
	}
	admin.Do("GET", "/api/v1/admin/users", nil, http.StatusOK, nil)
}
