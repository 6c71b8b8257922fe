package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// raiseFileLimit lifts this process's open-file limit to its hard limit,
// since every socket is a file descriptor. It returns the limits in force.
func raiseFileLimit() (soft, hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, err
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return l.Cur, l.Max, err
		}
		l = want
	}
	return l.Cur, l.Max, nil
}

// rssKB reads VmRSS of a process, in kB.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// clockTicks is USER_HZ, the unit of utime and stime: 100 on Linux on every
// architecture Go supports (reading sysconf would need cgo).
const clockTicks = 100

// cpuTicks reads utime+stime of a process from /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: fields
	// count from after its closing one (state is field 3, utime 14).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return u + st, nil
}

// liveMemory is what the server holds right after a forced collection, in
// kB: Heap is the heap's spans in use (HeapInuse: the live objects and the
// free room between them in spans that still hold one), Objects the live
// objects alone (HeapAlloc), Stacks the goroutine stacks (StackInuse).
type liveMemory struct {
	Heap, Objects, Stacks int64
}

// Total is the heap in use plus the stacks: the memory the server keeps.
func (m liveMemory) Total() int64 { return m.Heap + m.Stacks }

// readLive asks the server's profile endpoint for a heap profile after a
// forced collection and reads its MemStats footer ("# HeapInuse = n",
// "# HeapAlloc = n", "# Stack = inuse / sys").
func readLive(ctx context.Context, pprofURL string) (liveMemory, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(pprofURL, "/")+"/debug/pprof/heap?gc=1&debug=1", nil)
	if err != nil {
		return liveMemory{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return liveMemory{}, fmt.Errorf("read the server's heap profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return liveMemory{}, fmt.Errorf("read the server's heap profile: %s", resp.Status)
	}
	var heap, objects, stack int64 = -1, -1, -1
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# HeapInuse = "); ok {
			heap, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		} else if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			objects, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		} else if v, ok := strings.CutPrefix(line, "# Stack = "); ok {
			// "# Stack = StackInuse / StackSys"
			inuse, _, _ := strings.Cut(v, "/")
			stack, _ = strconv.ParseInt(strings.TrimSpace(inuse), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return liveMemory{}, err
	}
	if heap < 0 || objects < 0 || stack < 0 {
		return liveMemory{}, fmt.Errorf("the heap profile at %s has no MemStats footer", pprofURL)
	}
	return liveMemory{Heap: heap / 1024, Objects: objects / 1024, Stacks: stack / 1024}, nil
}

// cpuMeter measures the CPU time a process spends from its start on.
type cpuMeter struct {
	pid   int
	start int64
	ok    bool
}

// startCPU starts measuring process pid (0: none, and perItem answers 0).
func startCPU(pid int) cpuMeter {
	if pid <= 0 {
		return cpuMeter{}
	}
	t, err := cpuTicks(pid)
	return cpuMeter{pid: pid, start: t, ok: err == nil}
}

// startCPUs starts measuring the server (serverPID, 0 for none) and this
// load generator. A server in this process can't be told apart from the
// load generator: it gets no figure of its own then.
func startCPUs(serverPID int) (server, client cpuMeter) {
	if serverPID == os.Getpid() {
		serverPID = 0
	}
	return startCPU(serverPID), startCPU(os.Getpid())
}

// perItem returns the CPU time spent since the start per item of n, in
// µs, or 0 when it is not known.
func (m cpuMeter) perItem(n int64) float64 {
	if !m.ok || n <= 0 {
		return 0
	}
	now, err := cpuTicks(m.pid)
	if err != nil {
		return 0
	}
	return roundTenth(float64(now-m.start) * 1e6 / clockTicks / float64(n))
}
