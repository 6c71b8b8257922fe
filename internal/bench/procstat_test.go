package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"testing"
)

func TestLiveMemoryIsReadFromTheHeapProfile(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/debug/pprof/heap", pprof.Handler("heap"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	m, err := readLive(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// This test process holds at least its own heap and stacks: well over
	// 100 kB, and far under 1 GB; its live objects fit in its heap spans.
	if kb := m.Total(); kb < 100 || kb > 1<<20 {
		t.Fatalf("live memory %d kB", kb)
	}
	if m.Stacks <= 0 || m.Objects <= 0 || m.Objects > m.Heap {
		t.Fatalf("live memory read as %+v", m)
	}
	if _, err := readLive(context.Background(), srv.URL+"/nothing-here"); err == nil {
		t.Fatal("a URL without profiles gave a figure")
	}
}
