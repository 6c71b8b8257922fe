package store

import (
	"slices"
	"testing"
)

// TestMergeHitsKeepsNewestFirstOnce merges the body and file-name hits of
// one page: newest first, cut at the limit, a message found by both once.
func TestMergeHitsKeepsNewestFirstOnce(t *testing.T) {
	hits := func(ids ...int64) []SearchHit {
		out := make([]SearchHit, len(ids))
		for i, id := range ids {
			out[i].ID = id
		}
		return out
	}
	ids := func(hs []SearchHit) []int64 {
		out := make([]int64, len(hs))
		for i, h := range hs {
			out[i] = h.ID
		}
		return out
	}
	for _, tt := range []struct {
		bodies, names []SearchHit
		limit         int
		want          []int64
	}{
		{hits(9, 7, 3), hits(8, 7, 1), 10, []int64{9, 8, 7, 3, 1}},
		{hits(9, 7, 3), hits(8, 7, 1), 3, []int64{9, 8, 7}},
		{hits(), hits(5, 4), 1, []int64{5}},
		{hits(6, 2), hits(), 5, []int64{6, 2}},
		{hits(), hits(), 5, []int64{}},
	} {
		if got := ids(mergeHits(tt.bodies, tt.names, tt.limit)); !slices.Equal(got, tt.want) {
			t.Errorf("merge(%v, %v, %d) = %v, want %v", ids(tt.bodies), ids(tt.names), tt.limit, got, tt.want)
		}
	}
}
