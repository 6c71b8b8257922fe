package bench

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// W2Result is the idle-sockets workload: N authenticated sockets held open
// and quiet, and what they cost the server.
type W2Result struct {
	Sockets        int     `json:"sockets"`
	Users          int     `json:"users"`
	Opened         int     `json:"opened"`
	StillOpen      int     `json:"still_open"`
	OpenSeconds    float64 `json:"open_seconds"`
	OpenPerS       float64 `json:"open_per_s"`
	ServerPID      int     `json:"server_pid,omitempty"`
	RSSBeforeKB    int64   `json:"rss_before_kb,omitempty"`
	RSSAfterKB     int64   `json:"rss_after_kb,omitempty"`
	RSSPerSocketKB float64 `json:"rss_per_socket_kb,omitempty"`
	// IdleCPUPercent is the server's CPU time over the idle window, in
	// percent of one core.
	IdleCPUPercent *float64 `json:"idle_cpu_percent,omitempty"`
	IdleSeconds    float64  `json:"idle_seconds,omitempty"`
	// LiveBeforeKB and LiveAfterKB are the server's heap in use plus
	// goroutine stacks right after a forced collection (with --pprof-url):
	// unlike RSS, they hold no garbage of earlier work.
	LiveBeforeKB    int64   `json:"live_before_kb,omitempty"`
	LiveAfterKB     int64   `json:"live_after_kb,omitempty"`
	LivePerSocketKB float64 `json:"live_per_socket_kb,omitempty"`
	// Of LivePerSocketKB: the goroutine stacks, and the heap's live
	// objects (the rest is free room in spans that hold live objects).
	StacksPerSocketKB  float64 `json:"stacks_per_socket_kb,omitempty"`
	ObjectsPerSocketKB float64 `json:"objects_per_socket_kb,omitempty"`
	Note               string  `json:"note,omitempty"`
}

func runW2(ctx context.Context, e *env) (*W2Result, error) {
	o := e.opts
	nUsers := (o.W2Sockets + o.W2SocketsPerUser - 1) / o.W2SocketsPerUser
	res := &W2Result{Sockets: o.W2Sockets, Users: nUsers, ServerPID: o.ServerPID}
	if soft, _, _ := raiseFileLimit(); soft > 0 && uint64(o.W2Sockets)+256 > soft {
		res.Note = fmt.Sprintf("this process may open only %d files; raise `ulimit -n` (hard limit) or lower --w2-sockets", soft)
	}
	users, err := e.users(ctx, "w2u", nUsers, "user")
	if err != nil {
		return res, err
	}
	// The live figure first: reading it forces a collection, after which
	// the garbage of creating the users can be returned to the system.
	var liveBefore liveMemory
	if o.PprofURL != "" {
		if liveBefore, err = readLive(ctx, o.PprofURL); err != nil {
			return res, err
		}
		res.LiveBeforeKB = liveBefore.Total()
	}
	measure := o.ServerPID > 0
	if measure {
		if res.RSSBeforeKB, err = settledRSSKB(ctx, o.ServerPID); err != nil {
			res.Note = "no /proc figures: " + err.Error()
			measure = false
		}
	} else {
		res.Note = "pass --server-pid (the server on this machine) for its memory and CPU"
	}
	conns := make([]*wsConn, o.W2Sockets)
	defer closeAll(conns)
	var opened atomic.Int64
	start := time.Now()
	err = parallel(ctx, o.W2Sockets, o.DialConcurrency, func(ctx context.Context, i int) error {
		w, err := dial(ctx, users[i%nUsers], nil)
		if err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
		conns[i] = w
		if n := opened.Add(1); n%1000 == 0 {
			e.logf("W2: %d/%d sockets open", n, o.W2Sockets)
		}
		return nil
	})
	res.Opened = int(opened.Load())
	res.OpenSeconds = roundTenth(time.Since(start).Seconds())
	res.OpenPerS = perSecond(opened.Load(), time.Since(start))
	if err != nil {
		return res, err
	}
	sleep(ctx, o.W2Settle)
	if measure {
		if res.RSSAfterKB, err = rssKB(o.ServerPID); err == nil {
			res.RSSPerSocketKB = math.Round(float64(res.RSSAfterKB-res.RSSBeforeKB)/float64(o.W2Sockets)*100) / 100
			if res.RSSAfterKB <= res.RSSBeforeKB {
				res.Note = "the server's RSS fell while the sockets opened: the garbage of earlier work (argon2 hashes of the users just created use 19 MiB each) was collected meanwhile, so this run gives no per-socket figure"
			}
		}
	}
	if o.PprofURL != "" {
		after, err := readLive(ctx, o.PprofURL)
		if err != nil {
			return res, err
		}
		perSocket := func(after, before int64) float64 {
			return math.Round(float64(after-before)/float64(o.W2Sockets)*100) / 100
		}
		res.LiveAfterKB = after.Total()
		res.LivePerSocketKB = perSocket(res.LiveAfterKB, res.LiveBeforeKB)
		res.StacksPerSocketKB = perSocket(after.Stacks, liveBefore.Stacks)
		res.ObjectsPerSocketKB = perSocket(after.Objects, liveBefore.Objects)
	}
	if measure {
		t0, err1 := cpuTicks(o.ServerPID)
		w0 := time.Now()
		sleep(ctx, o.W2Idle)
		t1, err2 := cpuTicks(o.ServerPID)
		if err1 == nil && err2 == nil {
			secs := time.Since(w0).Seconds()
			res.IdleSeconds = roundTenth(secs)
			pct := math.Round(float64(t1-t0)/clockTicks/secs*1000) / 10
			res.IdleCPUPercent = &pct
		}
	}
	for _, w := range conns {
		if w != nil && w.alive() {
			res.StillOpen++
		}
	}
	e.logf("W2: %d sockets open, %d still open after the idle window", res.Opened, res.StillOpen)
	return res, ctx.Err()
}

// settledRSSKB reads the RSS of a process once it has not fallen for three
// seconds (waiting at most 30 s). Creating the users leaves garbage (argon2
// hashes use 19 MiB each) that the Go runtime returns to the system only
// after collecting it, in steps, a while later; measured before that, the
// sockets would partly take up memory the server held already, and the RSS
// per socket would come out too low, or even below zero.
func settledRSSKB(ctx context.Context, pid int) (int64, error) {
	last, err := rssKB(pid)
	steady := 0
	for deadline := time.Now().Add(30 * time.Second); err == nil && steady < 3 && time.Now().Before(deadline) && ctx.Err() == nil; {
		sleep(ctx, time.Second)
		var now int64
		if now, err = rssKB(pid); err == nil {
			if now < last-last/100 {
				steady = 0
			} else {
				steady++
			}
			last = now
		}
	}
	return last, err
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
