package store

import "time"

// MediaBlob is one stored content, kept once however many uploads share
// it. It is keyed by the SHA-256 of the bytes as uploaded; Size, Mime and
// the dimensions describe what is served (images are re-encoded without
// their metadata).
type MediaBlob struct {
	SHA256     string `gorm:"column:sha256;primaryKey"`
	Kind       string // image | voice | video | file
	Mime       string
	Size       int64
	Width      int
	Height     int
	DurationMS int64
	ThumbMime  string // "" when there is no thumbnail
	ThumbSize  int64
	CreatedAt  time.Time
}

// Upload is one upload of a blob, under the file name its uploader gave.
// It belongs to a user or to a widget visitor: exactly one of UserID and
// VisitorID is set.
type Upload struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     *int64
	VisitorID  *int64
	BlobSHA256 string `gorm:"column:blob_sha256"`
	Name       string
	CreatedAt  time.Time
}

// Uploader is who owns an upload: a user or a widget visitor.
type Uploader struct {
	Kind SenderKind // user | visitor
	ID   int64
}

// Owns reports whether the upload belongs to this uploader.
func (u *Upload) Owns(by Uploader) bool {
	switch by.Kind {
	case SenderUser:
		return u.UserID != nil && *u.UserID == by.ID
	case SenderVisitor:
		return u.VisitorID != nil && *u.VisitorID == by.ID
	}
	return false
}

// UploadRow is an upload with its blob.
type UploadRow struct {
	Upload
	Blob MediaBlob
}

// UploadReservation holds room in an uploader's quota while an upload's
// bytes arrive. SiteID is set for an anonymous visitor's upload, whose
// room is also held in the site's daily visitor budget.
type UploadReservation struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    *int64
	VisitorID *int64
	SiteID    *int64
	Bytes     int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// mediaModels lists the tables of uploads.
func mediaModels() []any { return []any{&MediaBlob{}, &Upload{}, &UploadReservation{}} }
