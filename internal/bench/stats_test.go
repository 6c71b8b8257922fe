package bench

import (
	"testing"
	"time"
)

func TestSummariseNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	l := summarise(d)
	if l.Count != 100 || l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Max != 100 || l.Mean != 50.5 {
		t.Fatalf("%+v", l)
	}
	if one := summarise([]time.Duration{1500 * time.Microsecond}); one.P50 != 1.5 || one.P99 != 1.5 {
		t.Fatalf("%+v", one)
	}
	if (summarise(nil) != Latency{}) {
		t.Fatal("empty set")
	}
}

func TestStamp(t *testing.T) {
	tag, since, ok := unstamp(stamp(3, 1234567*time.Nanosecond))
	if !ok || tag != 3 || since != 1234567 {
		t.Fatalf("%d %d %v", tag, since, ok)
	}
	if _, _, ok := unstamp("hello there you"); ok {
		t.Fatal("a plain body parsed")
	}
}
