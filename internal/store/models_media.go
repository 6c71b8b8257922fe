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

// Upload is one user's upload of a blob, under the file name they gave.
type Upload struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	BlobSHA256 string `gorm:"column:blob_sha256"`
	Name       string
	CreatedAt  time.Time
}

// UploadRow is an upload with its blob.
type UploadRow struct {
	Upload
	Blob MediaBlob
}

// mediaModels lists the tables of uploads.
func mediaModels() []any { return []any{&MediaBlob{}, &Upload{}} }
