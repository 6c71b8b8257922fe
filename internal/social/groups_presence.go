package social

import "context"

// groupPresence returns the presence of members for the viewer's list.
func (s *Service) groupPresence(ctx context.Context, viewerID int64, ids []int64) map[int64]MemberPresence {
	return nil
}
