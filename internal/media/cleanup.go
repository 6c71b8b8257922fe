package media

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// orphanGrace is how old a file without a row must be before the sweep
// removes it: younger ones may belong to an upload being recorded now.
const orphanGrace = time.Hour

// cleanBatch is how many rows one pass of the clean-up takes at a time.
const cleanBatch = 200

// Cleaned counts what one clean-up removed.
type Cleaned struct {
	Reservations int64 // expired reservations
	Unattached   int   // uploads no message carried within the TTL
	Blobs        int   // contents no upload refers to any more
	Files        int   // files without a row, and stale spool files
}

// CleanUploads is the periodic clean-up: it deletes expired reservations,
// uploads no message carries after UnattachedTTL (their row, and their
// content when no other upload shares it), contents left without uploads
// (their owners were deleted), and files that have no row. It re-checks
// the database for each and may run on several nodes at once.
func (s *Service) CleanUploads(ctx context.Context) error {
	c, err := s.clean(ctx)
	if c != (Cleaned{}) {
		s.log.InfoContext(ctx, "uploads cleaned", "reservations", c.Reservations, "unattached", c.Unattached, "blobs", c.Blobs, "files", c.Files)
	}
	return err
}

// clean does the work of CleanUploads and says what it removed.
func (s *Service) clean(ctx context.Context) (Cleaned, error) {
	var c Cleaned
	now := s.now()
	var err error
	if c.Reservations, err = s.store.DeleteExpiredReservations(ctx, now); err != nil {
		return c, err
	}
	if c.Unattached, err = s.dropUnattached(ctx, now.Add(-s.cfg.UnattachedTTL)); err != nil {
		return c, err
	}
	if c.Blobs, err = s.dropUnusedBlobs(ctx, now.Add(-orphanGrace)); err != nil {
		return c, err
	}
	c.Files, err = s.SweepFiles(ctx)
	return c, err
}

// dropUnattached deletes the uploads made before a time that no message
// carries, each in its own transaction.
func (s *Service) dropUnattached(ctx context.Context, before time.Time) (int, error) {
	n := 0
	for {
		ids, err := s.store.UnattachedUploads(ctx, before, cleanBatch)
		if err != nil {
			return n, err
		}
		done := 0
		for _, id := range ids {
			err := s.store.Tx(ctx, func(tx *store.Store) error {
				sum, err := tx.DeleteUnattachedUpload(ctx, id, before)
				if err != nil || sum == "" {
					return err
				}
				done++
				return s.dropBlob(ctx, tx, sum)
			})
			if err != nil {
				return n, err
			}
		}
		n += done
		if len(ids) < cleanBatch || done == 0 {
			return n, nil
		}
	}
}

// dropUnusedBlobs deletes contents stored before a time that no upload
// refers to.
func (s *Service) dropUnusedBlobs(ctx context.Context, before time.Time) (int, error) {
	n := 0
	for {
		sums, err := s.store.UnusedBlobs(ctx, before, cleanBatch)
		if err != nil {
			return n, err
		}
		for _, sum := range sums {
			if err := s.store.Tx(ctx, func(tx *store.Store) error { return s.dropBlob(ctx, tx, sum) }); err != nil {
				return n, err
			}
		}
		n += len(sums)
		if len(sums) < cleanBatch {
			return n, nil
		}
	}
}

// dropBlob deletes a content if no upload refers to it, and its files
// before the transaction commits: while the deleted row is locked, no
// upload can store the same content again.
func (s *Service) dropBlob(ctx context.Context, tx *store.Store, sum string) error {
	b, err := tx.DeleteBlobIfUnused(ctx, sum)
	if err != nil || b == nil {
		return err
	}
	s.deleteFiles(ctx, b)
	return nil
}

// SweepFiles removes the media files that have no blob row and the
// spool files older than orphanGrace: what a process that died between
// writing and recording left behind. It runs at start-up and in every
// clean-up, and returns how many it removed.
func (s *Service) SweepFiles(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-orphanGrace)
	removed := 0
	batch := map[string][]string{} // blob hash → its old files
	flush := func() error {
		sums := make([]string, 0, len(batch))
		for sum := range batch {
			sums = append(sums, sum)
		}
		have, err := s.store.ExistingBlobs(ctx, sums)
		if err != nil {
			return err
		}
		for sum, keys := range batch {
			if have[sum] {
				continue
			}
			for _, key := range keys {
				// A file written again since it was listed belongs to an
				// upload being recorded now.
				if info, err := s.storage.Stat(ctx, key); err != nil || info.ModTime.After(cutoff) {
					continue
				}
				if err := s.storage.Delete(ctx, key); err != nil {
					return err
				}
				removed++
			}
		}
		clear(batch)
		return nil
	}
	err := s.storage.List(ctx, "uploads/", func(key string, info ObjectInfo) error {
		if info.ModTime.After(cutoff) {
			return nil
		}
		name := path.Base(key)
		if strings.Contains(name, ".part-") {
			removed++
			return s.storage.Delete(ctx, key) // a write that never finished
		}
		sum, _, _ := strings.Cut(name, ".")
		if !validSum(sum) {
			return nil // not ours
		}
		batch[sum] = append(batch[sum], key)
		if len(batch) >= cleanBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return removed, err
	}
	n, err := s.sweepSpool(cutoff)
	return removed + n, err
}

// sweepSpool removes spool files older than cutoff: uploads in progress
// are younger, and an open file being removed is still read to the end.
func (s *Service) sweepSpool(cutoff time.Time) (int, error) {
	if s.cfg.TempDir == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(s.cfg.TempDir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "upload-") {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(s.cfg.TempDir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}

// validSum reports whether s is a lowercase hex SHA-256, as blob keys are.
func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
