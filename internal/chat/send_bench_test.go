package chat_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// BenchmarkConcurrentSends measures the send path alone (no sockets, no
// load generator): 64 friends in 32 direct conversations, each sending
// through the chat service at once, as the socket handlers do.
func BenchmarkConcurrentSends(b *testing.B) {
	srv := testkit.Start(b, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.SendLimitPerMinute = 1000, 1000000
	}))
	admin := srv.Setup()
	type sender struct {
		id   int64
		conv int64
	}
	var senders []sender
	for p := range 32 {
		a := srv.NewUser(admin, fmt.Sprintf("alice%d", p))
		c := srv.NewUser(admin, fmt.Sprintf("bob%d", p))
		srv.MakeFriends(a, c)
		conv := a.OpenDirect(c.UserID)
		senders = append(senders, sender{a.UserID, conv.ID}, sender{c.UserID, conv.ID})
	}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				_, err := srv.App.Chat.Send(context.Background(), s.id, chat.SendInput{
					ConversationID: s.conv, ClientMsgID: fmt.Sprintf("m%d", n), Kind: "text", Body: "bench",
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
