package store

import (
	"context"

	"gorm.io/gorm/clause"
)

// BlobBySHA256 returns the blob with this content hash or ErrNotFound.
func (s *Store) BlobBySHA256(ctx context.Context, sum string) (*MediaBlob, error) {
	var b MediaBlob
	if err := s.q(ctx).Where("sha256 = ?", sum).First(&b).Error; err != nil {
		return nil, translate(err)
	}
	return &b, nil
}

// CreateBlob inserts b unless a blob with its hash exists (two uploads of
// the same content may race; both stored the same bytes under one key).
func (s *Store) CreateBlob(ctx context.Context, b *MediaBlob) error {
	return translate(s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(b).Error)
}

// CreateUpload inserts u.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	return translate(s.q(ctx).Create(u).Error)
}

// LockUserForUploads serialises one user's uploads until the transaction
// ends, so that two at once cannot both fit under the quota. (SQLite
// transactions already take the write lock up front.)
func (s *Store) LockUserForUploads(ctx context.Context, userID int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var id int64
	return translate(s.q(ctx).Raw("SELECT id FROM users WHERE id = ? FOR UPDATE", userID).Scan(&id).Error)
}

// UploadBytes returns how many bytes a user's uploads take, counting each
// upload's blob.
func (s *Store) UploadBytes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Raw(
		"SELECT COALESCE(SUM(b.size + b.thumb_size), 0) FROM uploads u JOIN media_blobs b ON b.sha256 = u.blob_sha256 WHERE u.user_id = ?",
		userID).Scan(&n).Error
	return n, err
}

// UploadByID returns an upload with its blob, or ErrNotFound.
func (s *Store) UploadByID(ctx context.Context, id int64) (*UploadRow, error) {
	rows, err := s.UploadsByIDs(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	r, ok := rows[id]
	if !ok {
		return nil, ErrNotFound
	}
	return r, nil
}

// UploadsByIDs returns uploads with their blobs, keyed by upload id.
func (s *Store) UploadsByIDs(ctx context.Context, ids []int64) (map[int64]*UploadRow, error) {
	out := map[int64]*UploadRow{}
	if len(ids) == 0 {
		return out, nil
	}
	var ups []Upload
	if err := s.q(ctx).Where("id IN ?", ids).Find(&ups).Error; err != nil {
		return nil, err
	}
	sums := make([]string, 0, len(ups))
	for _, u := range ups {
		sums = append(sums, u.BlobSHA256)
	}
	var blobs []MediaBlob
	if len(sums) > 0 {
		if err := s.q(ctx).Where("sha256 IN ?", sums).Find(&blobs).Error; err != nil {
			return nil, err
		}
	}
	bySum := make(map[string]MediaBlob, len(blobs))
	for _, b := range blobs {
		bySum[b.SHA256] = b
	}
	for _, u := range ups {
		if b, ok := bySum[u.BlobSHA256]; ok {
			out[u.ID] = &UploadRow{Upload: u, Blob: b}
		}
	}
	return out, nil
}

// UploadSharedWith reports whether a message carrying the upload, not
// recalled, was sent in a conversation the user is a member of.
func (s *Store) UploadSharedWith(ctx context.Context, uploadID, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Raw(`SELECT COUNT(*) FROM messages m
		JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ?
		WHERE m.attachment_id = ? AND m.recalled_at IS NULL`, userID, uploadID).Scan(&n).Error
	return n > 0, err
}
