package support_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestDemotedOrDisabledAgentsTakeNoChats keeps two online agents in the
// queue's rows but demotes one and disables the other: a new visitor
// waits in the queue instead of being routed to either.
func TestDemotedOrDisabledAgentsTakeNoChats(t *testing.T) {
	d := newDesk(t, 2, 5)
	for _, a := range d.agents {
		d.online(a)
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", d.agents[0].UserID), map[string]string{"role": "user"}, http.StatusOK, nil)
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", d.agents[1].UserID), map[string]bool{"disabled": true}, http.StatusOK, nil)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	if conv.Status != "queued" || conv.AssigneeID() != 0 {
		t.Fatalf("conversation %s, assigned to %d; want it queued for nobody", conv.Status, conv.AssigneeID())
	}
}
