package wallet_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
)

// TestRandomSendsAndGrabsKeepTheBooks has 50 users send and grab red
// packets at random, several at once, and then requires the audit command
// to find every cent where it belongs.
func TestRandomSendsAndGrabsKeepTheBooks(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	srv := start(t)
	admin := srv.Setup()
	all := users(srv, admin, "u", 50)
	g := openGroup(all[0], all[1:]...)
	for _, u := range all {
		credit(admin, u, 2000)
	}
	var (
		mu      sync.Mutex
		packets []int64
		wg      sync.WaitGroup
		failed  = make(chan string, 1)
	)
	const workers, opsEach = 20, 50 // 1,000 operations
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for op := range opsEach {
				u := all[rng.IntN(len(all))]
				if rng.IntN(4) == 0 {
					kind := []string{"lucky", "equal"}[rng.IntN(2)]
					count := 1 + rng.IntN(10)
					total := int64(count + rng.IntN(500))
					resp := u.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", g.ConversationID), redPacket(total, count, kind, fmt.Sprintf("w%d-%d", w, op)))
					switch {
					case resp.Status == http.StatusCreated:
						var s sent
						if err := json.Unmarshal(resp.Body, &s); err == nil {
							mu.Lock()
							packets = append(packets, s.RedPacket.ID)
							mu.Unlock()
						}
					case resp.Status == http.StatusUnprocessableEntity && resp.ErrorCode() == "insufficient_funds":
					default:
						report(failed, fmt.Sprintf("send: %d %s", resp.Status, resp.Body))
					}
					continue
				}
				mu.Lock()
				if len(packets) == 0 {
					mu.Unlock()
					continue
				}
				id := packets[rng.IntN(len(packets))]
				mu.Unlock()
				resp := grab(u, id)
				switch {
				case resp.Status == http.StatusOK:
				case resp.Status == http.StatusConflict && resp.ErrorCode() == "already_claimed":
				case resp.Status == http.StatusGone && resp.ErrorCode() == "exhausted":
				default:
					report(failed, fmt.Sprintf("grab: %d %s", resp.Status, resp.Body))
				}
			}
		}()
	}
	wg.Wait()
	select {
	case msg := <-failed:
		t.Fatal(msg)
	default:
	}
	if len(packets) == 0 {
		t.Fatal("no packet was sent")
	}
	if out, err := runCLI(t, srv, "admin", "audit-wallets"); err != nil {
		t.Fatalf("audit-wallets after %d packets: %v\n%s", len(packets), err, out)
	}
}

func report(ch chan string, msg string) {
	select {
	case ch <- msg:
	default:
	}
}
