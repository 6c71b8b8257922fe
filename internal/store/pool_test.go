package store_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/parley-chat/parley/internal/store"
)

// On PostgreSQL a process holds at most SetMaxConns connections: a third
// transaction while two are open waits for one of them to end, and then
// runs. SQLite keeps its own bound.
func TestSetMaxConnsBoundsThePool(t *testing.T) {
	ctx := context.Background()
	for name, st := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			st.SetMaxConns(2)
			db, err := st.SQL()
			if err != nil {
				t.Fatal(err)
			}
			if name == "sqlite" {
				if n := db.Stats().MaxOpenConnections; n != 8 {
					t.Fatalf("SQLite's bound is %d, want 8", n)
				}
				return
			}
			release := make(chan struct{})
			in := make(chan int, 3)
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := st.Tx(ctx, func(tx *store.Store) error {
						if _, err := tx.WebhooksOfSite(ctx, 0); err != nil {
							return err
						}
						in <- i
						<-release
						return nil
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			<-in
			<-in
			for db.Stats().WaitCount == 0 { // the third asks for a connection
				select {
				case i := <-in:
					t.Fatalf("a third transaction (%d) got a connection while two were open", i)
				default:
					runtime.Gosched()
				}
			}
			if s := db.Stats(); s.OpenConnections != 2 || s.InUse != 2 {
				t.Fatalf("open %d, in use %d; want 2 and 2", s.OpenConnections, s.InUse)
			}
			release <- struct{}{} // one ends: the third runs
			<-in
			close(release)
			wg.Wait()
		})
	}
}
