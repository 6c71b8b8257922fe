package store

import "context"

// AnySite reports whether at least one site exists.
func (s *Store) AnySite(ctx context.Context) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Site{}).Limit(1).Count(&n).Error
	return n > 0, err
}

// VisitorSeenOutside reports whether a visitor has opened a site's widget
// from a page whose address does not start with prefix (Parley's own
// origin and a slash): the snippet is live on a host page.
func (s *Store) VisitorSeenOutside(ctx context.Context, prefix string) (bool, error) {
	var ids []int64
	err := s.q(ctx).Model(&Visitor{}).
		Where("page_url <> '' AND substr(page_url, 1, ?) <> ?", len(prefix), prefix).
		Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, err
}

// VisitorMessageFrom reports whether a visitor whose page address starts
// with prefix has sent a message in a support conversation.
func (s *Store) VisitorMessageFrom(ctx context.Context, prefix string) (bool, error) {
	var ids []int64
	err := s.q(ctx).Table("messages m").
		Joins("JOIN support_conversations sc ON sc.conversation_id = m.conversation_id").
		Joins("JOIN visitors v ON v.id = sc.visitor_id").
		Where("m.sender_kind = ? AND substr(v.page_url, 1, ?) = ?", SenderVisitor, len(prefix), prefix).
		Limit(1).Pluck("m.id", &ids).Error
	return len(ids) > 0, err
}

// FirstSite returns the site created first.
func (s *Store) FirstSite(ctx context.Context) (*Site, error) {
	var site Site
	if err := s.q(ctx).Order("id").Limit(1).Take(&site).Error; err != nil {
		return nil, translate(err)
	}
	return &site, nil
}
