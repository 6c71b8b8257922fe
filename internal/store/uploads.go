package store

import (
	"context"
	"fmt"
)

// BlobBySHA256 returns the blob with this content hash or ErrNotFound.
func (s *Store) BlobBySHA256(ctx context.Context, sum string) (*MediaBlob, error) {
	var b MediaBlob
	if err := s.q(ctx).Where("sha256 = ?", sum).First(&b).Error; err != nil {
		return nil, translate(err)
	}
	return &b, nil
}

// CreateUpload inserts u.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	return translate(s.q(ctx).Create(u).Error)
}

// LockUploader serialises one uploader's uploads until the transaction
// ends, so that two at once cannot both fit under the quota. (SQLite
// transactions already take the write lock up front.)
func (s *Store) LockUploader(ctx context.Context, by Uploader) error {
	if s.dialect != Postgres {
		return nil
	}
	table, _, err := uploaderTable(by)
	if err != nil {
		return err
	}
	var id int64
	return translate(s.q(ctx).Raw("SELECT id FROM "+table+" WHERE id = ? FOR UPDATE", by.ID).Scan(&id).Error)
}

// UploadBytes returns how many bytes an uploader's uploads take, counting
// each upload's blob.
func (s *Store) UploadBytes(ctx context.Context, by Uploader) (int64, error) {
	_, column, err := uploaderTable(by)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.q(ctx).Raw(
		"SELECT COALESCE(SUM(b.size + b.thumb_size), 0) FROM uploads u JOIN media_blobs b ON b.sha256 = u.blob_sha256 WHERE u."+column+" = ?",
		by.ID).Scan(&n).Error
	return n, err
}

// uploaderTable names the owner's table and the uploads column that
// points at it; only these two fixed names ever reach the SQL.
func uploaderTable(by Uploader) (table, column string, err error) {
	switch by.Kind {
	case SenderUser:
		return "users", "user_id", nil
	case SenderVisitor:
		return "visitors", "visitor_id", nil
	}
	return "", "", fmt.Errorf("unknown uploader kind %q", by.Kind)
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

// UploadSharedWithVisitor reports whether a message carrying the upload,
// not recalled, was sent in one of the visitor's support conversations.
func (s *Store) UploadSharedWithVisitor(ctx context.Context, uploadID, visitorID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Raw(`SELECT COUNT(*) FROM messages m
		JOIN support_conversations sc ON sc.conversation_id = m.conversation_id AND sc.visitor_id = ?
		WHERE m.attachment_id = ? AND m.recalled_at IS NULL AND m.kind <> 'note'`, visitorID, uploadID).Scan(&n).Error
	return n > 0, err
}

// IsAvatar reports whether the upload is someone's avatar or a group's
// picture.
func (s *Store) IsAvatar(ctx context.Context, uploadID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Raw(`SELECT (SELECT COUNT(*) FROM users WHERE avatar_upload_id = ?)
		+ (SELECT COUNT(*) FROM chat_groups WHERE avatar_upload_id = ?)`, uploadID, uploadID).Scan(&n).Error
	return n > 0, err
}
