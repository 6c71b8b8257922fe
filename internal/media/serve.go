package media

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Get returns an upload with fresh URLs to its uploader or to a member of
// a conversation where it was sent; see GetAs.
func (s *Service) Get(ctx context.Context, userID, id int64) (*Attachment, error) {
	return s.GetAs(ctx, store.Uploader{Kind: store.SenderUser, ID: userID}, id)
}

// GetAs returns an upload with fresh URLs to its uploader, to a member of
// a conversation where it was sent, or to the visitor of a support
// conversation where it was sent; anybody else gets 404, as if it did not
// exist.
func (s *Service) GetAs(ctx context.Context, by store.Uploader, id int64) (*Attachment, error) {
	row, err := s.store.UploadByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "upload_not_found", "no such upload")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load upload")
	}
	if !row.Owns(by) {
		shared, err := sharedWith(ctx, s.store, id, by)
		if err != nil {
			return nil, errs.Wrap(err, "check upload access")
		}
		if !shared {
			return nil, errs.R(errs.NotFound, "upload_not_found", "no such upload")
		}
	}
	return s.view(row), nil
}

// sharedWith reports whether the upload was sent, in a message not
// recalled, where this user is a member or this visitor is the visitor.
func sharedWith(ctx context.Context, st *store.Store, uploadID int64, by store.Uploader) (bool, error) {
	switch by.Kind {
	case store.SenderUser:
		return st.UploadSharedWith(ctx, uploadID, by.ID)
	case store.SenderVisitor:
		return st.UploadSharedWithVisitor(ctx, uploadID, by.ID)
	}
	return false, nil
}

// Content is media ready to serve.
type Content struct {
	io.ReadSeekCloser
	Mime    string
	Name    string // the sanitised file name, for Content-Disposition
	Inline  bool   // images, audio and video; everything else downloads
	ETag    string
	ModTime time.Time
	MaxAge  time.Duration // how long the URL stays valid: the cache lifetime
}

// Open checks a signed URL (403 bad_signature, 403 link_expired) and
// opens the upload or its thumbnail.
func (s *Service) Open(ctx context.Context, id int64, thumb bool, exp int64, sig string) (*Content, error) {
	if !s.signer.Valid(id, thumb, exp, sig) {
		return nil, errs.R(errs.Forbidden, "bad_signature", "this media link is not valid")
	}
	now := s.now()
	if exp <= now.Unix() {
		return nil, errs.R(errs.Forbidden, "link_expired", "this media link has expired; fetch the message or upload again for a fresh one")
	}
	row, err := s.store.UploadByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "upload_not_found", "no such upload")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load upload")
	}
	key, mime, etag := blobKey(row.BlobSHA256), row.Blob.Mime, row.BlobSHA256
	if thumb {
		if row.Blob.ThumbMime == "" {
			return nil, errs.R(errs.NotFound, "no_thumbnail", "this upload has no thumbnail")
		}
		key, mime, etag = thumbKey(row.BlobSHA256), row.Blob.ThumbMime, row.BlobSHA256+"-thumb"
	}
	f, err := s.storage.Open(ctx, key)
	if errors.Is(err, ErrNoObject) {
		return nil, errs.R(errs.NotFound, "upload_not_found", "the upload's content is missing")
	}
	if err != nil {
		return nil, errs.Wrap(err, "open upload")
	}
	return &Content{
		ReadSeekCloser: f, Mime: mime, Name: row.Name, ETag: `"` + etag + `"`,
		Inline:  thumb || (row.Blob.Kind != KindFile && inlineSafe(mime)),
		ModTime: row.Blob.CreatedAt, MaxAge: time.Unix(exp, 0).Sub(now),
	}, nil
}

// inlineSafe reports whether a browser may render this type in place:
// only the image, audio and video types Parley itself produces.
func inlineSafe(mime string) bool {
	switch {
	case strings.Contains(mime, "svg"), strings.Contains(mime, "html"), strings.Contains(mime, "xml"):
		return false
	}
	return strings.HasPrefix(mime, "image/") || strings.HasPrefix(mime, "audio/") || strings.HasPrefix(mime, "video/")
}

// CheckAttachment verifies, inside a send's transaction, that the sender
// (a user or a visitor, by senderKind) may attach the upload to a message
// of this kind: 404 if it does not exist or the sender cannot see it, 403
// if it is someone else's that was shared with them, 422 if its kind is
// not the message's. A visitor's upload is thus sent only by that visitor,
// and only where the send itself is allowed: their own conversations.
func (s *Service) CheckAttachment(ctx context.Context, tx *store.Store, senderKind store.SenderKind, senderID, uploadID int64, kind store.MessageKind) error {
	by := store.Uploader{Kind: senderKind, ID: senderID}
	// Locked until the send commits, so that the clean-up of unattached
	// uploads cannot delete it under the message.
	if _, err := tx.LockUpload(ctx, uploadID); err != nil {
		return err
	}
	row, err := tx.UploadByID(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "attachment_not_found", "no such attachment")
	}
	if err != nil {
		return err
	}
	if !row.Owns(by) {
		shared, err := sharedWith(ctx, tx, uploadID, by)
		if err != nil {
			return err
		}
		if !shared {
			return errs.R(errs.NotFound, "attachment_not_found", "no such attachment")
		}
		return errs.R(errs.Forbidden, "not_your_attachment", "attach only your own uploads")
	}
	if row.Blob.Kind != string(kind) {
		return errs.Rf(errs.Rule, "attachment_kind_mismatch", "the attachment is a %s, not a %s", row.Blob.Kind, string(kind))
	}
	return nil
}

// AttachmentViews describes uploads for messages, with URLs signed now,
// keyed by upload id. Missing uploads are left out.
func (s *Service) AttachmentViews(ctx context.Context, ids []int64) (map[int64]any, error) {
	rows, err := s.store.UploadsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]any, len(rows))
	for id, r := range rows {
		out[id] = s.view(r)
	}
	return out, nil
}
