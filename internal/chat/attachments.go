package chat

import (
	"context"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Attachments checks and describes the uploads that media messages carry
// (implemented by the media service).
type Attachments interface {
	// CheckAttachment verifies inside the send's transaction that the
	// sender (senderKind user or visitor) may attach the upload to a
	// message of this kind: 404 unknown, 403 someone else's, 422 of
	// another kind.
	CheckAttachment(ctx context.Context, tx *store.Store, senderKind store.SenderKind, senderID, uploadID int64, kind store.MessageKind) error
	// AttachmentViews describes uploads, with fresh signed URLs, by id.
	AttachmentViews(ctx context.Context, ids []int64) (map[int64]any, error)
}

// checkAttachment runs inside the send's transaction.
func (s *Service) checkAttachment(ctx context.Context, tx *store.Store, actor Actor, in SendInput) error {
	if !in.Kind.IsMedia() {
		return nil
	}
	if s.media == nil {
		return errs.R(errs.Rule, "unsupported_kind", "media messages are not available")
	}
	return s.media.CheckAttachment(ctx, tx, actor.Kind, actor.ID, *in.AttachmentID, in.Kind)
}

// attachAll fills the attachment of each view whose message carries one
// and is not recalled; views[i] must be the view of ms[i].
func (s *Views) attachAll(ctx context.Context, ms []store.Message, views []Message) error {
	if s.media == nil {
		return nil
	}
	var ids []int64
	for _, m := range ms {
		if m.AttachmentID != nil && m.RecalledAt == nil {
			ids = append(ids, *m.AttachmentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := s.media.AttachmentViews(ctx, ids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		if m.AttachmentID != nil && m.RecalledAt == nil {
			if a, ok := found[*m.AttachmentID]; ok {
				views[i].Attachment = a
			}
		}
	}
	return nil
}
