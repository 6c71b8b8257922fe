package media_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestLimitsAndQuota(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.UploadMaxImage, c.UploadMaxFile, c.UploadMaxVoice = 20<<10, 8<<10, 4<<10
		c.UploadMaxVoiceDuration = time.Second
		c.UploadQuota = 30 << 10
	}))
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	tests := []struct {
		name, file, kind string
		data             []byte
		status           int
		code             string
	}{
		{"image over its limit", "big.png", "", noisePNG(t, 100, 100), 413, "too_large"},
		{"file over its limit", "big.bin", "", []byte(strings.Repeat("z", 9<<10)), 413, "too_large"},
		{"image under its limit, as a file over the file limit", "big.png", "file", noisePNG(t, 50, 50), 413, "too_large"},
		{"voice too long", "long.ogg", "", sample(t, "voice.ogg"), 413, "too_long"},
		{"file under the limit", "ok.bin", "", []byte(strings.Repeat("a", 7<<10)), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := upload(bob, t, tt.file, tt.kind, tt.data)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	// 7 KB used of 30: three more 7 KB files fit, the next doesn't.
	for i := 0; i < 3; i++ {
		mustUpload(bob, t, "f.bin", "", []byte(strings.Repeat(fmt.Sprint(i), 7<<10)))
	}
	if r := upload(bob, t, "f.bin", "", []byte(strings.Repeat("q", 7<<10))); r.Status != 413 || r.ErrorCode() != "quota_exceeded" {
		t.Fatalf("over quota: %d %s", r.Status, r.Body)
	}
	// The quota is per user.
	mustUpload(admin, t, "f.bin", "", []byte(strings.Repeat("q", 7<<10)))
}

// generator yields n bytes without holding them, counting what was read.
type generator struct {
	left int64
	read atomic.Int64
}

func (g *generator) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), g.left))
	for i := range p[:n] {
		p[i] = byte(i)
	}
	g.left -= int64(n)
	g.read.Add(int64(n))
	return n, nil
}

// streamUpload sends a multipart upload whose file part is gen, streamed.
func streamUpload(t testing.TB, c *testkit.Client, gen io.Reader) (*http.Response, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "huge.bin")
		if err == nil {
			_, err = io.Copy(fw, gen)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", c.Base+"/api/v1/uploads", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	return (&http.Client{Timeout: 2 * time.Minute}).Do(req)
}

// The server runs in this process, so the heap measured here is the
// server's too: a 1 GB upload must be cut off at the file limit (25 MB by
// default) while the heap grows by far less than either.
func TestAGigabyteUploadIsCutOffWithBoundedMemory(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	const body = 1 << 30
	limit := srv.Config().UploadMaxFile

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	gen := &generator{left: body}
	start := time.Now()
	resp, err := streamUpload(t, alice, gen)
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("upload: %v (after %d bytes)", err, gen.read.Load())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	testkit.CheckResponse(t, resp.Request, resp.StatusCode, resp.Header, b)
	if resp.StatusCode != 413 || !strings.Contains(string(b), `"too_large"`) {
		t.Fatalf("status %d %s", resp.StatusCode, b)
	}
	sent := gen.read.Load()
	growth := int64(peak.Load()) - int64(base)
	t.Logf("1 GB attempt: server stopped after the client wrote %d MB (limit %d MB) in %s; heap grew by %.1f MB at most",
		sent>>20, limit>>20, took.Round(time.Millisecond), float64(growth)/(1<<20))
	if sent > limit+16<<20 {
		t.Fatalf("the client could write %d bytes: the server kept reading past the %d byte limit", sent, limit)
	}
	if growth > 32<<20 {
		t.Fatalf("heap grew by %d bytes during the upload", growth)
	}
}

func TestUploadThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a 20 MB upload")
	}
	srv := testkit.Start(t)
	alice := srv.Setup()
	const size = 20 << 20
	start := time.Now()
	resp, err := streamUpload(t, alice, &generator{left: size})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	testkit.CheckResponse(t, resp.Request, resp.StatusCode, resp.Header, b)
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	took := time.Since(start)
	t.Logf("20 MB file uploaded, hashed and stored in %s (%.0f MB/s)", took.Round(time.Millisecond), float64(size)/(1<<20)/took.Seconds())
}
