package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// diskFullMemory is how long /readyz keeps reporting a write the database
// could not make for a full disk, unless a transaction commits meanwhile.
// The probe file alone would miss a disk that has room for a few bytes
// but not for the database's next pages.
const diskFullMemory = time.Minute

// diskCheck is the readiness check of the data dir: a small file can be
// written and synced there, and the database has not failed to write for
// want of room within diskFullMemory.
func diskCheck(dataDir string, st *store.Store) func(ctx context.Context) error {
	probe := filepath.Join(dataDir, ".ready-probe")
	return func(context.Context) error {
		if at, full := st.DiskFullSince(); full && time.Since(at) < diskFullMemory {
			return fmt.Errorf("the database could not write at %s", at.UTC().Format(time.RFC3339))
		}
		f, err := os.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(make([]byte, 4096))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		os.Remove(probe)
		return err
	}
}
