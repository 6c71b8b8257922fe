package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// avatarMaxAge is how long browsers keep an avatar: an upload's content
// never changes, and a new avatar is a new upload at a new path.
const avatarMaxAge = 24 * time.Hour

// AvatarPath is where an upload that is someone's avatar is served, with
// no signature: avatars are as public as the names beside them.
func AvatarPath(uploadID int64) string {
	return fmt.Sprintf("/media/avatars/%d", uploadID)
}

// CheckAvatar verifies, inside the transaction that sets it, that the
// upload may become userID's avatar: it exists (400), it is userID's own
// (403: nobody wears another's upload), and it is an image (400). Errors
// name field. The upload stays locked until the transaction ends, so that
// the clean-up of unattached uploads cannot delete it meanwhile.
func CheckAvatar(ctx context.Context, tx *store.Store, userID, uploadID int64, field string) error {
	if _, err := tx.LockUpload(ctx, uploadID); err != nil {
		return err
	}
	row, err := tx.UploadByID(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return errs.Field(field, "no such upload: upload the picture first")
	}
	if err != nil {
		return err
	}
	if !row.Owns(store.Uploader{Kind: store.SenderUser, ID: userID}) {
		e := errs.R(errs.Forbidden, "not_your_upload", "only a picture you uploaded yourself can be your avatar")
		e.Details = map[string]string{field: e.Message}
		return e
	}
	if row.Blob.Kind != KindImage {
		return errs.Field(field, "an image (JPEG, PNG, GIF or WebP)")
	}
	return nil
}

// CheckGroupAvatar verifies, inside the transaction that sets it, that
// the upload may become a group's picture set by userID: it is an image
// userID uploaded. Anything else is 422 naming field. Like CheckAvatar, it
// locks the upload until the transaction ends.
func CheckGroupAvatar(ctx context.Context, tx *store.Store, userID, uploadID int64, field string) error {
	if _, err := tx.LockUpload(ctx, uploadID); err != nil {
		return err
	}
	refuse := func(msg string) error {
		e := errs.R(errs.Rule, "invalid_avatar", msg)
		e.Details = map[string]string{field: msg}
		return e
	}
	row, err := tx.UploadByID(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(i18n.N("no such upload: upload the picture first"))
	}
	if err != nil {
		return err
	}
	if !row.Owns(store.Uploader{Kind: store.SenderUser, ID: userID}) {
		return refuse(i18n.N("only a picture you uploaded yourself can be the group's picture"))
	}
	if row.Blob.Kind != KindImage {
		return refuse(i18n.N("an image (JPEG, PNG, GIF or WebP)"))
	}
	return nil
}

// OpenAvatar opens an upload that is someone's avatar; anything else is
// 404, as if it did not exist.
func (s *Service) OpenAvatar(ctx context.Context, uploadID int64) (*Content, error) {
	notFound := errs.R(errs.NotFound, "not_found", "no such avatar")
	ok, err := s.store.IsAvatar(ctx, uploadID)
	if err != nil {
		return nil, errs.Wrap(err, "check avatar")
	}
	if !ok {
		return nil, notFound
	}
	row, err := s.store.UploadByID(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, errs.Wrap(err, "load avatar")
	}
	if row.Blob.Kind != KindImage {
		return nil, notFound
	}
	f, err := s.storage.Open(ctx, blobKey(row.BlobSHA256))
	if errors.Is(err, ErrNoObject) {
		return nil, notFound
	}
	if err != nil {
		return nil, errs.Wrap(err, "open avatar")
	}
	return &Content{
		ReadSeekCloser: f, Mime: row.Blob.Mime, Name: row.Name, ETag: `"` + row.BlobSHA256 + `"`,
		Inline: inlineSafe(row.Blob.Mime), ModTime: row.Blob.CreatedAt, MaxAge: avatarMaxAge,
	}, nil
}
