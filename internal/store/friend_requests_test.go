package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// Deleting the pending requests between two users removes both directions
// and keeps decided requests and those with anyone else. On SQLite this
// query once failed with "internal query planner error" (a bound status
// against the partial index of pending requests).
func TestDeletePendingFriendRequestsBothWays(t *testing.T) {
	ctx := context.Background()
	for name, st := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC()
			var ids [3]int64
			for i := range ids {
				u := &store.User{Username: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i), Role: "user", CreatedAt: now, UpdatedAt: now}
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				ids[i] = u.ID
			}
			a, b, c := ids[0], ids[1], ids[2]
			reqs := []*store.FriendRequest{
				{FromID: a, ToID: b, Status: "pending"},
				{FromID: b, ToID: a, Status: "pending"},
				{FromID: a, ToID: b, Status: "declined"},
				{FromID: a, ToID: c, Status: "pending"},
			}
			for _, r := range reqs {
				r.CreatedAt = now
				if err := st.CreateFriendRequest(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.DeletePendingFriendRequests(ctx, a, b); err != nil {
				t.Fatal(err)
			}
			for i, r := range reqs {
				_, err := st.FriendRequestByID(ctx, r.ID)
				gone := errors.Is(err, store.ErrNotFound)
				if err != nil && !gone {
					t.Fatal(err)
				}
				if want := i < 2; gone != want {
					t.Errorf("request %d→%d (%s): deleted %v, want %v", r.FromID, r.ToID, r.Status, gone, want)
				}
			}
		})
	}
}
