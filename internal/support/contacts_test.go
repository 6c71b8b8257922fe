package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type contact struct {
	ID                 int64             `json:"id"`
	Name               string            `json:"name"`
	Email              string            `json:"email"`
	ExternalID         *string           `json:"external_id"`
	Attributes         map[string]any    `json:"attributes"`
	AttributeSources   map[string]string `json:"attribute_sources"`
	DevicesCount       int               `json:"devices_count"`
	ConversationsCount int               `json:"conversations_count"`
}

func identityWithAttributes(t *testing.T, secret, sub string, attrs map[string]any) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "name": "Nina Shopper", "email": "nina@shop.example", "exp": time.Now().Add(time.Hour).Unix(), "attributes": attrs,
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Attributes come from the identity token, the host page and the agents;
// the host page never overwrites what the others set.
func TestContactAttributesFromAllThreeSources(t *testing.T) {
	d := newDesk(t, 1, 3)
	agent := d.agents[0]
	v, sess := d.srv.NewVisitor(d.site.PublicKey, map[string]any{
		"identity_token": identityWithAttributes(t, d.site.Secret, "cust-7", map[string]any{"plan": "pro", "seats": 5})})
	path := fmt.Sprintf("/api/v1/support/visitors/%d", sess.Visitor.ID)
	var c contact
	c = contact{}
	agent.Do("GET", path, nil, http.StatusOK, &c)
	if c.Attributes["plan"] != "pro" || c.Attributes["seats"] != float64(5) || c.AttributeSources["plan"] != "identity" || c.Name != "Nina Shopper" {
		t.Fatalf("contact from the identity token %+v", c)
	}
	v.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"attributes": map[string]any{"plan": "free", "color": "blue", "beta": true}}, http.StatusOK, nil)
	c = contact{}
	agent.Do("GET", path, nil, http.StatusOK, &c)
	if c.Attributes["plan"] != "pro" || c.Attributes["color"] != "blue" || c.Attributes["beta"] != true || c.AttributeSources["color"] != "visitor" {
		t.Fatalf("after the host page %+v", c)
	}
	c = contact{}
	agent.Do("PATCH", path, map[string]any{"name": "Nina S.", "attributes": map[string]any{"plan": "enterprise", "beta": nil, "vip": true}}, http.StatusOK, &c)
	if c.Name != "Nina S." || c.Attributes["plan"] != "enterprise" || c.Attributes["vip"] != true || c.AttributeSources["plan"] != "agent" {
		t.Fatalf("after the agent %+v", c)
	}
	if _, ok := c.Attributes["beta"]; ok {
		t.Fatalf("null did not delete beta: %+v", c.Attributes)
	}
	// The host page cannot take back what an agent set.
	v.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"attributes": map[string]any{"vip": false}}, http.StatusOK, nil)
	c = contact{}
	agent.Do("GET", path, nil, http.StatusOK, &c)
	if c.Attributes["vip"] != true {
		t.Fatalf("the visitor overwrote an agent's attribute: %+v", c.Attributes)
	}
	// Search finds contacts by attribute value.
	var found struct{ Items []contact }
	agent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/contacts?q=enterPRISE", d.site.ID), nil, http.StatusOK, &found)
	if len(found.Items) != 1 || found.Items[0].ID != sess.Visitor.ID {
		t.Fatalf("search by attribute %+v", found.Items)
	}
	agent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/contacts?q=nobody-has-this", d.site.ID), nil, http.StatusOK, &found)
	if len(found.Items) != 0 {
		t.Fatalf("search for nothing %+v", found.Items)
	}
}

func TestContactValidationNamesTheField(t *testing.T) {
	d := newDesk(t, 1, 3)
	agent := d.agents[0]
	v, sess := d.srv.NewVisitor(d.site.PublicKey, nil)
	path := fmt.Sprintf("/api/v1/support/visitors/%d", sess.Visitor.ID)
	many := map[string]any{}
	for i := 0; i < 51; i++ {
		many[fmt.Sprintf("k%d", i)] = i
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"bad key", map[string]any{"attributes": map[string]any{"Plan-Name": "x"}}, "attributes.Plan-Name"},
		{"long value", map[string]any{"attributes": map[string]any{"note": strings.Repeat("x", 501)}}, "attributes.note"},
		{"object value", map[string]any{"attributes": map[string]any{"nested": map[string]any{"a": 1}}}, "attributes.nested"},
		{"too many", map[string]any{"attributes": many}, "attributes"},
		{"email", map[string]any{"email": "not an address"}, "email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertField(t, agent.Do("PATCH", path, tc.body, http.StatusBadRequest, nil), tc.field)
		})
	}
	// 50 in all, across writes, is the most.
	fifty := map[string]any{}
	for i := 0; i < 50; i++ {
		fifty[fmt.Sprintf("k%d", i)] = i
	}
	agent.Do("PATCH", path, map[string]any{"attributes": fifty}, http.StatusOK, nil)
	assertField(t, v.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"attributes": map[string]any{"one_more": 1}}, http.StatusBadRequest, nil), "attributes")
	// Bad identity token attributes are refused too.
	r := d.srv.Client().Do("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "page_url": d.srv.URL + "/demo",
		"identity_token": identityWithAttributes(t, d.site.Secret, "cust-8", map[string]any{"Bad Key": 1})}, http.StatusBadRequest, nil)
	assertField(t, r, "identity_token.attributes.Bad Key")
}

func TestContactsOfAnotherSiteAreForbidden(t *testing.T) {
	d := newDesk(t, 1, 3)
	var other struct {
		ID     int64 `json:"id"`
		Queues []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
		PublicKey string `json:"public_key"`
	}
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	stranger := d.newAgent("stranger")
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, stranger.UserID), map[string]int{"capacity": 2}, http.StatusNoContent, nil)
	_, sess := d.srv.NewVisitor(d.site.PublicKey, nil)
	_, theirs := d.srv.NewVisitor(other.PublicKey, nil)
	path := fmt.Sprintf("/api/v1/support/visitors/%d", sess.Visitor.ID)
	stranger.Do("GET", path, nil, http.StatusForbidden, nil)
	stranger.Do("PATCH", path, map[string]any{"name": "x"}, http.StatusForbidden, nil)
	stranger.Do("POST", path+"/merge", map[string]any{"from_visitor_id": theirs.Visitor.ID}, http.StatusForbidden, nil)
	stranger.Do("GET", fmt.Sprintf("/api/v1/sites/%d/contacts", d.site.ID), nil, http.StatusForbidden, nil)
	d.agents[0].Do("GET", "/api/v1/support/visitors/999999", nil, http.StatusNotFound, nil)
	// Merging a visitor of another site is as if it did not exist.
	d.admin.Do("POST", path+"/merge", map[string]any{"from_visitor_id": theirs.Visitor.ID}, http.StatusNotFound, nil)
	assertField(t, d.admin.Do("POST", path+"/merge", map[string]any{"from_visitor_id": sess.Visitor.ID}, http.StatusBadRequest, nil), "from_visitor_id")
}

// Merging moves conversations, devices and the attributes the target
// lacks; the duplicate's token keeps working and acts as the target.
func TestMergeContactsKeepsTheDuplicatesTokenWorking(t *testing.T) {
	d := newDesk(t, 1, 5)
	agent := d.agents[0]
	d.online(agent)
	keep, kept := d.srv.NewVisitor(d.site.PublicKey, nil)
	keep.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"name": "Kim", "attributes": map[string]any{"plan": "pro"}}, http.StatusOK, nil)
	keep.Open(nil)
	dup, dupSess := d.srv.NewVisitor(d.site.PublicKey, nil)
	dup.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"email": "kim@example.com", "attributes": map[string]any{"plan": "free", "city": "Oslo"}}, http.StatusOK, nil)
	dc := dup.Open(nil)
	dup.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", dc.ID), map[string]any{"client_msg_id": "m1", "kind": "text", "body": "hello from my phone"}, http.StatusCreated, nil)
	var c contact
	agent.Do("POST", fmt.Sprintf("/api/v1/support/visitors/%d/merge", kept.Visitor.ID), map[string]any{"from_visitor_id": dupSess.Visitor.ID}, http.StatusOK, &c)
	if c.ConversationsCount != 2 || c.Attributes["plan"] != "pro" || c.Attributes["city"] != "Oslo" || c.Name != "Kim" || c.Email != "kim@example.com" || c.DevicesCount < 1 {
		t.Fatalf("merged contact %+v", c)
	}
	agent.Do("GET", fmt.Sprintf("/api/v1/support/visitors/%d", dupSess.Visitor.ID), nil, http.StatusNotFound, nil)
	agent.Do("POST", fmt.Sprintf("/api/v1/support/visitors/%d/merge", kept.Visitor.ID), map[string]any{"from_visitor_id": dupSess.Visitor.ID}, http.StatusNotFound, nil)
	// The duplicate's token now acts as the kept visitor: it reads the
	// moved conversation and writes the kept visitor's attributes.
	page := dup.History(dc.ID, "")
	if len(page.Items) == 0 {
		t.Fatalf("history through the merged token is empty")
	}
	dup.Do("PATCH", "/api/v1/widget/visitor", map[string]any{"attributes": map[string]any{"lang": "nb"}}, http.StatusOK, nil)
	c = contact{}
	agent.Do("GET", fmt.Sprintf("/api/v1/support/visitors/%d", kept.Visitor.ID), nil, http.StatusOK, &c)
	if c.Attributes["lang"] != "nb" {
		t.Fatalf("the merged token did not write to the kept visitor: %+v", c.Attributes)
	}
	var convs struct{ Items []struct{ ID int64 } }
	agent.Do("GET", fmt.Sprintf("/api/v1/support/visitors/%d/conversations", kept.Visitor.ID), nil, http.StatusOK, &convs)
	if len(convs.Items) != 2 {
		t.Fatalf("kept visitor's conversations %+v", convs.Items)
	}
	var log struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/admin/audit-log", nil, http.StatusOK, &log)
	merged := false
	for _, e := range log.Items {
		merged = merged || e.Action == "visitor.merge"
	}
	if !merged {
		t.Fatalf("no visitor.merge in the action log %+v", log.Items)
	}
}
