package app_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/parley-chat/parley/internal/testkit"
)

// TestFullDiskIsAnOutage runs `parley serve` (embedded mode) and takes away
// its right to write files: its file size limit (RLIMIT_FSIZE) is set to 0
// from outside while it runs, so every write of the database, of an upload
// or of anything in its data dir fails with EFBIG, as on a full disk it
// would fail with ENOSPC (both are classified alike). This needs no root
// and no special filesystem, and it is the real process, SQLite and all.
// While it lasts, sends over REST and WebSocket and uploads answer 503
// unavailable, and /readyz says the disk is down; once the limit is lifted
// the same sends go through, and after a SIGKILL and a restart every acked
// message is there once.
func TestFullDiskIsAnOutage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "parley")
	build := exec.Command("go", "build", "-o", bin, "github.com/parley-chat/parley/cmd/parley")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(t.TempDir(), "parley.db")
	env := []string{"PARLEY_SECRET=disk-test-" + fmt.Sprint(time.Now().UnixNano()), "PARLEY_AUTO_MIGRATE=true",
		"PARLEY_LOG_LEVEL=warn", "PARLEY_DATABASE_URL=sqlite:" + db, "PARLEY_REDIS_URL=", "PARLEY_SEND_LIMIT_PER_MINUTE=100000"}
	n := startNode(t, bin, env)
	srv := testkit.Remote(t, n.url)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	ws := alice.Dial()

	acked := map[string]bool{}
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("before-%02d", i)
		alice.SendText(conv.ID, id, "kept")
		acked[id] = true
	}

	setFileLimit(t, n, 0)
	r := alice.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID),
		map[string]string{"client_msg_id": "during-rest", "kind": "text", "body": "no room"})
	if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "unavailable" {
		t.Fatalf("REST send on a full disk: %d %s", r.Status, r.Body)
	}
	ws.Send(map[string]any{"type": "send", "client_msg_id": "during-ws", "conversation_id": conv.ID, "kind": "text", "body": "no room"})
	if f := ws.ReadType("error", 10*time.Second); f["code"] != "unavailable" || f["client_msg_id"] != "during-ws" {
		t.Fatalf("WebSocket send on a full disk: %v", f)
	}
	body, ct := uploadBody(t, bytes.Repeat([]byte("plain text that needs room\n"), 100))
	if r := alice.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct); r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "unavailable" {
		t.Fatalf("upload on a full disk: %d %s", r.Status, r.Body)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if r := srv.Client().Do("GET", "/readyz", nil, http.StatusServiceUnavailable, &ready); ready.Checks["disk"] != "down" || ready.Checks["database"] != "ok" {
		t.Fatalf("readyz on a full disk: %s", r.Body)
	}

	setFileLimit(t, n, unix.RLIM_INFINITY)
	for _, id := range []string{"during-rest", "during-ws", "after"} {
		alice.SendText(conv.ID, id, "room again")
		acked[id] = true
	}
	srv.Client().Do("GET", "/readyz", nil, http.StatusOK, &ready)

	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = n.cmd.Process.Wait()
	again := startNode(t, bin, env)
	seen := map[string]int{}
	for _, m := range alice.On(testkit.Remote(t, again.url)).History(conv.ID, "after_seq=0&limit=200").Items {
		seen[m.ClientMsgID]++
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acked message %s stored %d times", id, seen[id])
		}
	}
	if len(seen) != len(acked) {
		t.Errorf("%d messages stored, %d acked", len(seen), len(acked))
	}
}

// setFileLimit sets the largest file the node may write, in bytes. Go
// ignores SIGXFSZ, so a write past it fails with EFBIG instead of killing
// the process.
func setFileLimit(t *testing.T, n *node, limit uint64) {
	t.Helper()
	lim := unix.Rlimit{Cur: limit, Max: unix.RLIM_INFINITY}
	if err := unix.Prlimit(n.cmd.Process.Pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
}

// uploadBody is a multipart upload of data as a plain file.
func uploadBody(t *testing.T, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("kind", "file")
	fw, err := w.CreateFormFile("file", "notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}
