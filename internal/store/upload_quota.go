package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm/clause"
)

// LockSite serialises, until the transaction ends, the uploads that count
// toward a site's daily visitor budget. (SQLite transactions already take
// the write lock up front.)
func (s *Store) LockSite(ctx context.Context, siteID int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var id int64
	return translate(s.q(ctx).Raw("SELECT id FROM sites WHERE id = ? FOR UPDATE", siteID).Scan(&id).Error)
}

// ReservedBytes returns the room an uploader's uploads in progress hold,
// counting only reservations alive at now.
func (s *Store) ReservedBytes(ctx context.Context, by Uploader, now time.Time) (int64, error) {
	_, column, err := uploaderTable(by)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.q(ctx).Raw("SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations WHERE "+column+" = ? AND expires_at > ?",
		by.ID, now).Scan(&n).Error
	return n, err
}

// SiteVisitorUploadBytes returns how many bytes the uploads of a site's
// anonymous visitors made since a time take.
func (s *Store) SiteVisitorUploadBytes(ctx context.Context, siteID int64, since time.Time) (int64, error) {
	var n int64
	err := s.q(ctx).Raw(`SELECT COALESCE(SUM(b.size + b.thumb_size), 0) FROM uploads u
		JOIN visitors v ON v.id = u.visitor_id
		JOIN media_blobs b ON b.sha256 = u.blob_sha256
		WHERE v.site_id = ? AND v.external_id IS NULL AND u.created_at >= ?`, siteID, since).Scan(&n).Error
	return n, err
}

// SiteReservedBytes returns the room uploads in progress by a site's
// anonymous visitors hold at now.
func (s *Store) SiteReservedBytes(ctx context.Context, siteID int64, now time.Time) (int64, error) {
	var n int64
	err := s.q(ctx).Raw("SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations WHERE site_id = ? AND expires_at > ?",
		siteID, now).Scan(&n).Error
	return n, err
}

// CreateReservation inserts r.
func (s *Store) CreateReservation(ctx context.Context, r *UploadReservation) error {
	return translate(s.q(ctx).Create(r).Error)
}

// DeleteReservation removes a reservation; an absent one is not an error.
func (s *Store) DeleteReservation(ctx context.Context, id int64) error {
	return s.q(ctx).Delete(&UploadReservation{}, id).Error
}

// DeleteExpiredReservations removes reservations left by uploads that
// never finished (their process died) and returns how many.
func (s *Store) DeleteExpiredReservations(ctx context.Context, now time.Time) (int64, error) {
	res := s.q(ctx).Where("expires_at <= ?", now).Delete(&UploadReservation{})
	return res.RowsAffected, res.Error
}

// InsertBlob inserts b and reports whether it did: false when a blob with
// its hash exists already. On PostgreSQL a concurrent insert of the same
// hash waits for this transaction to end, so the caller that gets true
// alone writes the blob's bytes.
func (s *Store) InsertBlob(ctx context.Context, b *MediaBlob) (bool, error) {
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(b)
	return res.RowsAffected == 1, translate(res.Error)
}

// LockBlob reports whether a blob exists and, on PostgreSQL, keeps it from
// being deleted until the transaction ends.
func (s *Store) LockBlob(ctx context.Context, sum string) (bool, error) {
	q := "SELECT COUNT(*) FROM media_blobs WHERE sha256 = ?"
	if s.dialect == Postgres {
		q = "SELECT COUNT(*) FROM (SELECT sha256 FROM media_blobs WHERE sha256 = ? FOR SHARE) b"
	}
	var n int64
	err := s.q(ctx).Raw(q, sum).Scan(&n).Error
	return n > 0, err
}

// LockUpload reports whether an upload exists and, on PostgreSQL, keeps it
// from being deleted until the transaction ends (a send attaching it
// against the clean-up of unattached uploads).
func (s *Store) LockUpload(ctx context.Context, id int64) (bool, error) {
	q := "SELECT COUNT(*) FROM uploads WHERE id = ?"
	if s.dialect == Postgres {
		q = "SELECT COUNT(*) FROM (SELECT id FROM uploads WHERE id = ? FOR SHARE) u"
	}
	var n int64
	err := s.q(ctx).Raw(q, id).Scan(&n).Error
	return n > 0, err
}

// UnattachedUploads lists up to limit uploads made before a time that no
// message carries and that are nobody's avatar nor a group's picture,
// oldest first.
func (s *Store) UnattachedUploads(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Raw(`SELECT u.id FROM uploads u WHERE u.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM users a WHERE a.avatar_upload_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM chat_groups g WHERE g.avatar_upload_id = u.id)
		ORDER BY u.id LIMIT ?`, before, limit).Scan(&ids).Error
	return ids, err
}

// DeleteUnattachedUpload deletes an upload made before a time if no
// message carries it, and returns its blob's hash ("" when it kept it).
// The row is locked before the messages are looked at, so a send that
// attaches it either commits first (and is seen) or finds it gone.
func (s *Store) DeleteUnattachedUpload(ctx context.Context, id int64, before time.Time) (string, error) {
	var up Upload
	q := s.q(ctx).Where("id = ? AND created_at < ?", id, before)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&up).Error; err != nil {
		if err = translate(err); errors.Is(err, ErrNotFound) {
			return "", nil
		}
		return "", err
	}
	var n int64
	if err := s.q(ctx).Raw("SELECT COUNT(*) FROM messages WHERE attachment_id = ?", id).Scan(&n).Error; err != nil || n > 0 {
		return "", err
	}
	if err := s.q(ctx).Raw("SELECT COUNT(*) FROM users WHERE avatar_upload_id = ?", id).Scan(&n).Error; err != nil || n > 0 {
		return "", err
	}
	if err := s.q(ctx).Raw("SELECT COUNT(*) FROM chat_groups WHERE avatar_upload_id = ?", id).Scan(&n).Error; err != nil || n > 0 {
		return "", err
	}
	if err := s.q(ctx).Delete(&Upload{}, id).Error; err != nil {
		return "", err
	}
	return up.BlobSHA256, nil
}

// DeleteBlobIfUnused deletes a blob no upload refers to and returns it;
// nil when it is absent or still used. On PostgreSQL the deleted row stays locked until the
// transaction ends, so no upload can store the same content meanwhile.
func (s *Store) DeleteBlobIfUnused(ctx context.Context, sum string) (*MediaBlob, error) {
	var b MediaBlob
	q := s.q(ctx).Where("sha256 = ?", sum)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&b).Error; err != nil {
		if err = translate(err); errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	res := s.q(ctx).Exec("DELETE FROM media_blobs WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM uploads WHERE blob_sha256 = ?)", sum, sum)
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, res.Error
	}
	return &b, nil
}

// UnusedBlobs lists up to limit blobs stored before a time that no upload
// refers to (their uploads' owners were deleted).
func (s *Store) UnusedBlobs(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var sums []string
	err := s.q(ctx).Raw(`SELECT b.sha256 FROM media_blobs b WHERE b.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_sha256 = b.sha256)
		ORDER BY b.sha256 LIMIT ?`, before, limit).Scan(&sums).Error
	return sums, err
}

// ExistingBlobs returns which of these hashes have a blob.
func (s *Store) ExistingBlobs(ctx context.Context, sums []string) (map[string]bool, error) {
	out := make(map[string]bool, len(sums))
	if len(sums) == 0 {
		return out, nil
	}
	var found []string
	if err := s.q(ctx).Model(&MediaBlob{}).Where("sha256 IN ?", sums).Pluck("sha256", &found).Error; err != nil {
		return nil, err
	}
	for _, s := range found {
		out[s] = true
	}
	return out, nil
}
