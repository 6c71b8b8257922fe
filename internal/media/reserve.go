package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// reservationTTL bounds how long a reservation counts: one left behind by
// a process that died mid-upload stops holding room after it, and the
// clean-up job deletes it. An upload that outlives its reservation is
// still checked against the quota when it is recorded.
const reservationTTL = time.Hour

// errBlobGone says that content looked up before the commit was deleted
// by the clean-up in between.
var errBlobGone = errors.New("media: blob deleted meanwhile")

// reservation is the room an upload holds while its bytes arrive.
type reservation struct {
	id    int64
	by    store.Uploader
	site  int64 // the anonymous visitor's site; 0 when no site budget applies
	bytes int64
	// refusal is the answer when the upload passes bytes: the quota's, or
	// the site budget's when that is what held it to less.
	refusal error
	done    bool // recorded with the upload, or never made
}

// reserve holds room for an upload of at most want bytes: all of it when
// it fits, what is left when less does (the upload fails only if it
// turns out bigger). It refuses at once when nothing is left.
func (s *Service) reserve(ctx context.Context, by store.Uploader, site, want int64) (*reservation, error) {
	now := s.now()
	quota := s.quotaOf(by)
	res := &reservation{by: by, site: site}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		quotaLeft, budgetLeft, err := s.room(ctx, tx, by, site, now)
		if err != nil {
			return err
		}
		if quotaLeft <= 0 {
			return quotaExceeded(quota)
		}
		if budgetLeft <= 0 {
			return budgetSpent(s.cfg.SiteVisitorDailyBudget, now)
		}
		res.bytes, res.refusal = min(want, quotaLeft), quotaExceeded(quota)
		if budgetLeft < res.bytes {
			res.bytes, res.refusal = budgetLeft, budgetExceeded(budgetLeft)
		}
		r := &store.UploadReservation{Bytes: res.bytes, CreatedAt: now, ExpiresAt: now.Add(reservationTTL)}
		if by.Kind == store.SenderVisitor {
			r.VisitorID = &by.ID
		} else {
			r.UserID = &by.ID
		}
		if site != 0 {
			r.SiteID = &site
		}
		if err := tx.CreateReservation(ctx, r); err != nil {
			return err
		}
		res.id = r.ID
		return nil
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		return nil, errs.Wrap(err, "reserve upload room")
	}
	return res, nil
}

// room locks the uploader (and the site) until the transaction ends and
// returns what is left of the quota and of the site's daily budget
// (MaxInt64 when none applies), counting stored uploads and the
// reservations of uploads in progress.
func (s *Service) room(ctx context.Context, tx *store.Store, by store.Uploader, site int64, now time.Time) (quotaLeft, budgetLeft int64, err error) {
	if err := tx.LockUploader(ctx, by); err != nil {
		return 0, 0, err
	}
	used, err := tx.UploadBytes(ctx, by)
	if err != nil {
		return 0, 0, err
	}
	held, err := tx.ReservedBytes(ctx, by, now)
	if err != nil {
		return 0, 0, err
	}
	quotaLeft, budgetLeft = s.quotaOf(by)-used-held, math.MaxInt64
	if site == 0 {
		return quotaLeft, budgetLeft, nil
	}
	if err := tx.LockSite(ctx, site); err != nil {
		return 0, 0, err
	}
	spent, err := tx.SiteVisitorUploadBytes(ctx, site, now.Truncate(24*time.Hour))
	if err != nil {
		return 0, 0, err
	}
	pending, err := tx.SiteReservedBytes(ctx, site, now)
	if err != nil {
		return 0, 0, err
	}
	return quotaLeft, s.cfg.SiteVisitorDailyBudget - spent - pending, nil
}

// commit records the upload in place of its reservation, checking the
// quota and budget once more with the size as stored (an image's cleaned
// copy and thumbnail may differ from what was sent). New content (p not
// nil) is written to storage inside the transaction that inserts its
// blob, and removed again if the transaction fails before commit: the
// media directory never holds bytes without a row, and no other upload or
// clean-up can touch the same content meanwhile (its blob row is locked).
func (s *Service) commit(ctx context.Context, res *reservation, up *store.Upload, blob *store.MediaBlob, p *prepared) error {
	now := s.now()
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteReservation(ctx, res.id); err != nil {
			return err
		}
		quotaLeft, budgetLeft, err := s.room(ctx, tx, res.by, res.site, now)
		if err != nil {
			return err
		}
		stored := blob.Size + blob.ThumbSize
		switch {
		case stored > quotaLeft:
			return quotaExceeded(s.quotaOf(res.by))
		case budgetLeft <= 0:
			return budgetSpent(s.cfg.SiteVisitorDailyBudget, now)
		case stored > budgetLeft:
			return budgetExceeded(budgetLeft)
		}
		wrote := false
		if p != nil {
			inserted, err := tx.InsertBlob(ctx, blob)
			if err != nil {
				return err
			}
			if inserted {
				if err := s.put(ctx, p); err != nil {
					return err
				}
				wrote = true
			}
		} else {
			ok, err := tx.LockBlob(ctx, blob.SHA256)
			if err != nil {
				return err
			}
			if !ok {
				return errBlobGone
			}
		}
		if err := tx.CreateUpload(ctx, up); err != nil {
			if wrote {
				s.deleteFiles(ctx, blob)
			}
			return err
		}
		return nil
	})
	if err == nil {
		res.done = true
	}
	return err
}

// put writes new content and its thumbnail; on failure it leaves neither.
func (s *Service) put(ctx context.Context, p *prepared) error {
	sum := p.blob.SHA256
	if p.thumb != nil {
		if _, err := s.storage.Put(ctx, thumbKey(sum), bytes.NewReader(p.thumb)); err != nil {
			return errs.Wrap(err, "store thumbnail")
		}
	}
	var body io.Reader = bytes.NewReader(p.body)
	if p.body == nil {
		if _, err := p.file.Seek(0, io.SeekStart); err != nil {
			s.deleteFiles(ctx, p.blob)
			return errs.Wrap(err, "rewind upload")
		}
		body = p.file
	}
	if _, err := s.storage.Put(ctx, blobKey(sum), body); err != nil {
		s.deleteFiles(ctx, p.blob)
		return errs.Wrap(err, "store upload")
	}
	return nil
}

// deleteFiles removes a blob's bytes and thumbnail. A failure is logged:
// what stays behind has no row, and the clean-up's sweep removes it.
func (s *Service) deleteFiles(ctx context.Context, b *store.MediaBlob) {
	for _, key := range []string{blobKey(b.SHA256), thumbKey(b.SHA256)} {
		if err := s.storage.Delete(context.WithoutCancel(ctx), key); err != nil {
			s.log.WarnContext(ctx, "media file not deleted; the clean-up will retry", "key", key, "err", err)
		}
	}
}

// release drops a reservation the upload did not use: refused, failed or
// cut short. A reservation that cannot be dropped now expires.
func (s *Service) release(res *reservation) {
	if res.done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.DeleteReservation(ctx, res.id); err != nil {
		s.log.Warn("upload reservation not released; it expires", "reservation_id", res.id, "err", err)
	}
}
