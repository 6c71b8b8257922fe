package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoObject is returned by a Storage for a key it does not hold.
var ErrNoObject = errors.New("media: no such object")

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Size    int64
	ModTime time.Time
}

// Storage keeps media bytes by key. Keys are slash-separated relative
// paths such as "uploads/ab/cd/<sha256>". The data-dir implementation is
// DirStorage; an S3-compatible store can implement the same five methods.
type Storage interface {
	// Put stores the bytes of r under key, replacing any object there.
	// Readers never see a partly written object.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the object for reading and seeking; ErrNoObject if absent.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Stat describes the object; ErrNoObject if absent.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for each object whose key starts with prefix, partly
	// written ones included, in no particular order; an error from fn
	// stops it.
	List(ctx context.Context, prefix string, fn func(key string, info ObjectInfo) error) error
}

// DirStorage keeps objects as files under a directory.
type DirStorage struct {
	root string
}

var _ Storage = (*DirStorage)(nil)

// NewDirStorage keeps objects under root, creating it if needed.
func NewDirStorage(root string) (*DirStorage, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create media dir: %w", err)
	}
	return &DirStorage{root: root}, nil
}

func (d *DirStorage) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return "", fmt.Errorf("media: bad key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file beside the target and renames it, so
// that the object appears whole or not at all.
func (d *DirStorage) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, err
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	tmp := p + ".part-" + hex.EncodeToString(suffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, nil
}

// Open opens the object's file.
func (d *DirStorage) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoObject
	}
	return f, err
}

// Stat reports the object's size and time.
func (d *DirStorage) Stat(_ context.Context, key string) (ObjectInfo, error) {
	p, err := d.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return ObjectInfo{}, ErrNoObject
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the object's file.
func (d *DirStorage) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// List walks the files under the prefix's directory.
func (d *DirStorage) List(ctx context.Context, prefix string, fn func(key string, info ObjectInfo) error) error {
	dir := filepath.Join(d.root, filepath.FromSlash(prefix))
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil // gone meanwhile, or no upload yet
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		fi, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), ObjectInfo{Size: fi.Size(), ModTime: fi.ModTime()})
	})
	return err
}

// blobKey is where a blob's bytes live: two levels of fan-out keep any
// one directory small however many files there are.
func blobKey(sum string) string { return "uploads/" + sum[:2] + "/" + sum[2:4] + "/" + sum }

// thumbKey is where a blob's thumbnail lives, beside it.
func thumbKey(sum string) string { return blobKey(sum) + ".thumb" }

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
