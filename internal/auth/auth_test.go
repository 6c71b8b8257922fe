package auth_test

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestFirstRunSetupHappensOnce(t *testing.T) {
	srv := testkit.Start(t)
	c := srv.Client()
	var st struct {
		Needed bool `json:"needed"`
	}
	c.Do("GET", "/api/v1/setup", nil, http.StatusOK, &st)
	if !st.Needed {
		t.Fatal("a fresh server says setup is not needed")
	}
	body := func(name string) map[string]string {
		return map[string]string{"username": name, "email": name + "@example.com", "password": "long-password"}
	}
	// Two admins racing for the first run: exactly one wins.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, name := range []string{"first", "second"} {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			statuses[i] = srv.Client().Raw("POST", "/api/v1/setup", body(name)).Status
		}(i, name)
	}
	wg.Wait()
	if !(statuses[0] == 201 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 201) {
		t.Fatalf("racing setups answered %v, want one 201 and one 409", statuses)
	}
	c.Do("GET", "/api/v1/setup", nil, http.StatusOK, &st)
	if st.Needed {
		t.Fatal("setup still needed after it was done")
	}
	if r := c.Raw("POST", "/api/v1/setup", body("third")); r.Status != http.StatusConflict || r.ErrorCode() != "setup_done" {
		t.Fatalf("late setup: %d %s", r.Status, r.Body)
	}
}

var linkRE = regexp.MustCompile(`https?://\S+verify-email\?token=(\S+)`)

func TestRegisterMailsAVerificationLinkThatWorksOnce(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	srv.Setup()
	c := srv.Client()
	var reg struct {
		User testkit.User `json:"user"`
	}
	c.Do("POST", "/api/v1/auth/register", map[string]string{
		"username": "Carol", "email": "Carol@Example.com", "password": "carols-password", "nickname": "Carol C",
	}, http.StatusCreated, &reg)
	if reg.User.Username != "carol" || reg.User.Email != "carol@example.com" || reg.User.EmailVerified || reg.User.Role != "user" {
		t.Fatalf("registered %+v", reg.User)
	}
	got := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t)
	if len(got.To) != 1 || got.To[0] != "carol@example.com" {
		t.Fatalf("mail to %v", got.To)
	}
	m := linkRE.FindStringSubmatch(got.Text)
	if m == nil || !strings.HasPrefix(m[0], srv.URL+"/console/") {
		t.Fatalf("no console verification link in %q", got.Text)
	}
	var ver struct {
		User testkit.User `json:"user"`
	}
	c.Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": m[1]}, http.StatusOK, &ver)
	if !ver.User.EmailVerified {
		t.Fatalf("not verified: %+v", ver.User)
	}
	if r := c.Raw("POST", "/api/v1/auth/verify-email", map[string]string{"token": m[1]}); r.Status != http.StatusGone {
		t.Fatalf("second use of the link: %d %s", r.Status, r.Body)
	}
	for _, login := range []string{"carol", "CAROL@example.com"} {
		s := srv.Login(login, "carols-password")
		var me testkit.User
		s.Do("GET", "/api/v1/me", nil, http.StatusOK, &me)
		if me.Username != "carol" || !me.EmailVerified {
			t.Fatalf("me = %+v", me)
		}
	}
}

func TestRegistrationRefusesBadAndTakenAccounts(t *testing.T) {
	srv := testkit.Start(t)
	srv.Setup()
	c := srv.Client()
	c.Do("POST", "/api/v1/auth/register", map[string]string{"username": "dave", "email": "dave@example.com", "password": "daves-password"}, http.StatusCreated, nil)
	tests := []struct {
		name   string
		body   map[string]string
		status int
		code   string
		field  string
	}{
		{"short password", map[string]string{"username": "erin", "email": "erin@example.com", "password": "short"}, 400, "invalid_input", "password"},
		{"bad username", map[string]string{"username": "a b", "email": "ab@example.com", "password": "long-enough"}, 400, "invalid_input", "username"},
		{"bad email", map[string]string{"username": "frank", "email": "not-an-email", "password": "long-enough"}, 400, "invalid_input", "email"},
		{"taken username", map[string]string{"username": "DAVE", "email": "other@example.com", "password": "long-enough"}, 409, "username_taken", ""},
		{"common password", map[string]string{"username": "gina", "email": "gina@example.com", "password": "Trustno1"}, 400, "invalid_input", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Raw("POST", "/api/v1/auth/register", tt.body)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tt.status, tt.code)
			}
			if tt.field != "" && !strings.Contains(string(r.Body), `"`+tt.field+`"`) {
				t.Fatalf("details do not name %s: %s", tt.field, r.Body)
			}
		})
	}
}

func TestWrongPasswordsAndLoginRateLimit(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.LoginLimitPerAccount = 3 }))
	srv.Setup()
	c := srv.Client()
	for i := 0; i < 3; i++ {
		r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": "wrong-password"})
		if r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_credentials" {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": "admin-password"})
	if r.Status != http.StatusTooManyRequests || r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth attempt: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "nobody", "password": "whatever-pw"}); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_credentials" {
		t.Fatalf("unknown user: %d %s", r.Status, r.Body)
	}
}

// TestLoginLimitCountsTheAccountWhateverNamesIt spends the account's
// budget half by username, half by e-mail (in any letter case): the next
// try is refused however the account is named, while another account
// and an unknown login keep their own counts.
func TestLoginLimitCountsTheAccountWhateverNamesIt(t *testing.T) {
	const perAccount = 4
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.LoginLimitPerAccount = perAccount }))
	admin := srv.Setup()
	srv.NewUser(admin, "bob")
	c := srv.Client()
	login := func(name, password string) *testkit.Response {
		return c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": name, "password": password})
	}
	names := []string{"bob", "bob@example.com", "BOB", " Bob@Example.com "}
	for i, name := range names[:perAccount] {
		if r := login(name, "wrong-password"); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_credentials" {
			t.Fatalf("try %d as %q: %d %s", i+1, name, r.Status, r.Body)
		}
	}
	for _, name := range []string{"bob", "bob@example.com"} {
		if r := login(name, "password-bob"); r.Status != http.StatusTooManyRequests || r.ErrorCode() != "rate_limited" {
			t.Fatalf("try %d as %q with the right password: %d %s", perAccount+1, name, r.Status, r.Body)
		}
	}
	if r := login("admin@example.com", "admin-password"); r.Status != http.StatusOK {
		t.Fatalf("another account was limited too: %d %s", r.Status, r.Body)
	}
	for i := 0; i < perAccount; i++ {
		if r := login("Nobody", "wrong-password"); r.Status != http.StatusUnauthorized {
			t.Fatalf("unknown login, try %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := login("nobody", "wrong-password"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("unknown login past its budget: %d %s", r.Status, r.Body)
	}
}

func TestRefreshRotatesAndAReusedTokenRevokesTheFamily(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	c := srv.Client()
	var s1, s2 testkit.Session
	c.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": admin.RefreshToken}, http.StatusOK, &s1)
	if s1.RefreshToken == admin.RefreshToken || s1.AccessToken == "" {
		t.Fatal("refresh did not rotate")
	}
	c.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": s1.RefreshToken}, http.StatusOK, &s2)
	// The first token again: someone replayed it. The whole family dies.
	r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": admin.RefreshToken})
	if r.Status != http.StatusUnauthorized || r.ErrorCode() != "refresh_token_reused" {
		t.Fatalf("reuse: %d %s", r.Status, r.Body)
	}
	if r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": s2.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("newest token of a revoked family still works: %d", r.Status)
	}
	// Another session (another family) is untouched.
	other := srv.Login("admin", "admin-password")
	c.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": other.RefreshToken}, http.StatusOK, nil)
}

func TestLogoutRevokesTheRefreshToken(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	c := srv.Client()
	c.Do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": admin.RefreshToken}, http.StatusNoContent, nil)
	if r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": admin.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d", r.Status)
	}
	s := srv.Login("admin", "admin-password")
	s.Do("POST", "/api/v1/auth/logout-all", nil, http.StatusNoContent, nil)
	if r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after logout-all: %d", r.Status)
	}
}

func TestProfileAndUserSearch(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	gina := srv.NewUser(admin, "gina")
	srv.NewUser(admin, "ginger")
	var me testkit.User
	gina.Do("PATCH", "/api/v1/me", map[string]string{"nickname": "Gina Lollo"}, http.StatusOK, &me)
	if me.Nickname != "Gina Lollo" {
		t.Fatalf("nickname %q", me.Nickname)
	}
	var res struct {
		Items []map[string]any `json:"items"`
	}
	admin.Do("GET", "/api/v1/users/search?q=lollo", nil, http.StatusOK, &res)
	if len(res.Items) != 1 || res.Items[0]["username"] != "gina" {
		t.Fatalf("nickname search: %v", res.Items)
	}
	if _, leaks := res.Items[0]["email"]; leaks {
		t.Fatal("search results show e-mails")
	}
	admin.Do("GET", "/api/v1/users/search?q=ginger", nil, http.StatusOK, &res)
	if len(res.Items) != 1 || res.Items[0]["username"] != "ginger" {
		t.Fatalf("exact username search: %v", res.Items)
	}
	admin.Do("GET", "/api/v1/users/search?q=gina@example.com", nil, http.StatusOK, &res)
	if len(res.Items) != 0 {
		t.Fatalf("search by e-mail found %v", res.Items)
	}
}

func TestAdminCreatesAgentsAndUnverifiedUsersGetMail(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	admin := srv.Setup()
	var out struct {
		User testkit.User `json:"user"`
	}
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "agent1", "email": "agent1@example.com", "password": "agent-password", "role": "agent"}, http.StatusCreated, &out)
	if out.User.Role != "agent" || out.User.EmailVerified {
		t.Fatalf("created %+v", out.User)
	}
	if got := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t); got.To[0] != "agent1@example.com" {
		t.Fatalf("mail to %v", got.To)
	}
	if r := admin.Raw("POST", "/api/v1/admin/users", map[string]any{"username": "x2", "email": "x2@example.com", "password": "long-password", "role": "god"}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad role: %d", r.Status)
	}
}
