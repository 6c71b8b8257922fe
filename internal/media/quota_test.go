package media_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// mediaFiles walks the data dir's media directory: the bytes its files
// take and the files by name.
func mediaFiles(t testing.TB, srv *testkit.Server) (int64, map[string]int64) {
	t.Helper()
	var total int64
	files := map[string]int64{}
	root := filepath.Join(srv.Config().DataDir, "media")
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		files[filepath.Base(p)] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total, files
}

// spoolFiles lists what is left in the data dir's upload spool.
func spoolFiles(t testing.TB, srv *testkit.Server) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(srv.Config().DataDir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// uploadResult is one answer to an upload sent from a goroutine.
type uploadResult struct {
	status int
	code   string
	size   int64
	err    error
}

// postUpload sends a multipart body as c without failing the test, for
// goroutines. It writes the first half of the body, calls halfway (also
// when the server answers before), waits for release, then writes the
// rest: every upload is then in flight at once.
func postUpload(c *testkit.Client, body []byte, contentType string, halfway func(), release <-chan struct{}) uploadResult {
	var once sync.Once
	pr, pw := io.Pipe()
	go func() {
		_, err := pw.Write(body[:len(body)/2])
		once.Do(halfway)
		if err == nil {
			<-release
			_, err = pw.Write(body[len(body)/2:])
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", c.Base+"/api/v1/uploads", pr)
	if err != nil {
		return uploadResult{err: err}
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", c.Scheme+" "+c.Token)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	once.Do(halfway)
	pr.Close()
	if err != nil {
		return uploadResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = testkit.ContractError(req, resp.StatusCode, resp.Header, b)
	}
	if err != nil {
		return uploadResult{err: err}
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return uploadResult{status: resp.StatusCode, code: e.Error.Code}
}

// filled is n bytes of one value: distinct values are distinct contents.
func filled(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func sumOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Eight uploads at once (each sends half its bytes, and none goes on
// before all have) by a visitor whose quota holds two of them: two are
// stored, six are refused, and the media directory grows by the two
// accepted files and nothing else (nor does anything stay in the spool).
func TestParallelUploadsOverQuotaLeaveNoFiles(t *testing.T) {
	const quota, size, n = 4 << 20, 1536 << 10, 8
	d := newHelpDesk(t, testkit.WithConfig(func(c *config.Config) { c.UploadVisitorQuota = quota }))
	v, _ := d.visitor(t)
	before, _ := mediaFiles(t, d.srv)

	bodies, types := make([][]byte, n), make([]string, n)
	for i := range n {
		bodies[i], types[i] = multipartBody(t, fmt.Sprintf("part-%d.bin", i), "file", filled(byte('a'+i), size))
	}
	results := make([]uploadResult, n)
	var wg, halfway sync.WaitGroup
	release := make(chan struct{})
	for i := range n {
		wg.Add(1)
		halfway.Add(1)
		go func() {
			defer wg.Done()
			results[i] = postUpload(v.Client, bodies[i], types[i], halfway.Done, release)
			results[i].size = size
		}()
	}
	halfway.Wait() // no upload is complete, none is stored: all are in flight
	close(release)
	wg.Wait()

	var accepted, acceptedBytes int64
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Fatalf("upload %d: %v", i, r.err)
		case r.status == http.StatusCreated:
			accepted++
			acceptedBytes += r.size
		case r.status != http.StatusRequestEntityTooLarge || r.code != "quota_exceeded":
			t.Fatalf("upload %d: %d %s", i, r.status, r.code)
		}
	}
	after, _ := mediaFiles(t, d.srv)
	t.Logf("%d parallel uploads of %d KB over a %d KB quota: %d accepted (%d bytes), %d refused; media dir grew by %d bytes",
		n, size>>10, quota>>10, accepted, acceptedBytes, n-int(accepted), after-before)
	if accepted != quota/size {
		t.Fatalf("%d uploads accepted, want %d", accepted, quota/size)
	}
	if after-before != acceptedBytes {
		t.Fatalf("the media directory grew by %d bytes; the accepted files take %d", after-before, acceptedBytes)
	}
	if left := spoolFiles(t, d.srv); len(left) > 0 {
		t.Fatalf("spool files left behind: %v", left)
	}
	// The refused uploads held no room after they ended: what is left of
	// the quota (1 MB) is there for the next upload.
	mustUpload(v.Client, t, "rest.bin", "file", filled('z', quota-int(acceptedBytes)))
	if r := upload(v.Client, t, "one-more.bin", "file", []byte("x")); r.Status != 413 || r.ErrorCode() != "quota_exceeded" {
		t.Fatalf("past a full quota: %d %s", r.Status, r.Body)
	}
}

// An upload that no message carries is deleted, row and file, once
// PARLEY_UPLOAD_UNATTACHED_TTL has passed; one that was sent stays, and
// so does content another upload still uses.
func TestUnattachedUploadsAreDeletedAfterTheirTTL(t *testing.T) {
	d := newHelpDesk(t, testkit.WithConfig(func(c *config.Config) {
		c.UploadUnattachedTTL = 5 * time.Second
		c.UploadCleanupInterval = time.Second
	}))
	v, conv := d.visitor(t)
	sentData, droppedData := filled('s', 3000), filled('d', 4000)
	sent := mustUpload(v.Client, t, "sent.txt", "file", sentData)
	if r := visitorSend(v, conv, "v-sent-1", "file", sent.ID); r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	dropped := mustUpload(v.Client, t, "dropped.txt", "file", droppedData)
	twin := mustUpload(v.Client, t, "twin.txt", "file", sentData) // the sent upload's content, never sent itself
	if _, files := mediaFiles(t, d.srv); files[sumOf(droppedData)] == 0 || files[sumOf(sentData)] == 0 {
		t.Fatalf("files before the clean-up: %v", files)
	}

	get := func(id int64) int { return v.Raw("GET", fmt.Sprintf("/api/v1/widget/uploads/%d", id), nil).Status }
	deadline := time.Now().Add(60 * time.Second)
	for get(dropped.ID) != 404 || get(twin.ID) != 404 {
		if time.Now().After(deadline) {
			t.Fatalf("unattached uploads still there after a minute: dropped %d, twin %d", get(dropped.ID), get(twin.ID))
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, files := mediaFiles(t, d.srv)
	if files[sumOf(droppedData)] != 0 {
		t.Fatalf("the unattached upload's file is still on disk: %v", files)
	}
	if files[sumOf(sentData)] != int64(len(sentData)) {
		t.Fatalf("the sent upload's file is gone: %v", files)
	}
	var a Attachment
	v.Do("GET", fmt.Sprintf("/api/v1/widget/uploads/%d", sent.ID), nil, 200, &a)
	if r := fetch(t, a.URL); r.Status != 200 || !bytes.Equal(r.Body, sentData) {
		t.Fatalf("the sent upload: %d", r.Status)
	}
	// An unattached upload can no longer be sent.
	if r := visitorSend(v, conv, "v-dropped-1", "file", dropped.ID); r.Status != 404 || r.ErrorCode() != "attachment_not_found" {
		t.Fatalf("sending a deleted upload: %d %s", r.Status, r.Body)
	}
}

// The anonymous visitors of one site share a daily upload budget: past it
// a file larger than what is left gets 413 and any upload 429; users and
// visitors the host site identified are not counted.
func TestSiteVisitorDailyBudget(t *testing.T) {
	const budget = 1 << 20
	d := newHelpDesk(t, testkit.WithConfig(func(c *config.Config) { c.UploadSiteVisitorDailyBudget = budget }))
	first, _ := d.visitor(t)
	mustUpload(first.Client, t, "a.bin", "file", filled('a', 600_000))

	second, _ := d.visitor(t) // a new visitor gets no fresh budget
	if r := upload(second.Client, t, "b.bin", "file", filled('b', 500_000)); r.Status != 413 || r.ErrorCode() != "upload_budget_exceeded" ||
		!strings.Contains(string(r.Body), "left of today's upload budget") {
		t.Fatalf("past what is left of the budget: %d %s", r.Status, r.Body)
	}
	mustUpload(second.Client, t, "b.bin", "file", filled('b', budget-600_000))

	third, _ := d.visitor(t)
	r := upload(third.Client, t, "c.bin", "file", []byte("c"))
	if r.Status != 429 || r.ErrorCode() != "upload_budget_spent" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("with the budget spent: %d %s", r.Status, r.Body)
	}
	// Users and identified visitors upload as before.
	mustUpload(d.agent, t, "agent.bin", "file", filled('g', 10_000))
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "cust-1", "name": "Nina", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(d.secret))
	if err != nil {
		t.Fatal(err)
	}
	known, _ := d.srv.NewVisitor(d.siteKey, map[string]any{"identity_token": tok})
	mustUpload(known.Client, t, "known.bin", "file", filled('k', 10_000))
}

// Files a stopped process wrote without recording them (and its spool
// files) are removed at start-up; recorded files stay.
func TestFilesWithoutRowsAreSweptAtStartUp(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	keptData := filled('k', 5000)
	mustUpload(alice, t, "kept.bin", "file", keptData)
	kept := sumOf(keptData)
	stray := sumOf([]byte("never recorded"))
	dataDir := srv.Config().DataDir
	strayPath := filepath.Join(dataDir, "media", "uploads", stray[:2], stray[2:4], stray)
	spoolPath := filepath.Join(dataDir, "tmp", "upload-123456")
	keptPath := filepath.Join(dataDir, "media", "uploads", kept[:2], kept[2:4], kept)
	for _, p := range []string{strayPath, spoolPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{strayPath, spoolPath, keptPath} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	srv.Restart()

	gone := func(p string) bool { _, err := os.Stat(p); return os.IsNotExist(err) }
	deadline := time.Now().Add(30 * time.Second)
	for !gone(strayPath) || !gone(spoolPath) {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: stray file gone %v, spool file gone %v", gone(strayPath), gone(spoolPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if gone(keptPath) {
		t.Fatal("the recorded upload's file was removed")
	}
}
