package store

import "context"

// FriendCategories returns a user's categories by position.
func (s *Store) FriendCategories(ctx context.Context, userID int64) ([]FriendCategory, error) {
	var cs []FriendCategory
	err := s.q(ctx).Where("user_id = ?", userID).Order("position").Order("id").Find(&cs).Error
	return cs, err
}

// FriendCategoryByID returns one category or ErrNotFound.
func (s *Store) FriendCategoryByID(ctx context.Context, id int64) (*FriendCategory, error) {
	var c FriendCategory
	if err := s.q(ctx).First(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// CreateFriendCategory inserts c; ErrConflict when the owner has one of
// that name.
func (s *Store) CreateFriendCategory(ctx context.Context, c *FriendCategory) error {
	return translate(s.q(ctx).Create(c).Error)
}

// FriendCategoryUpdate is a change of a category: nil fields stay as
// they are.
type FriendCategoryUpdate struct {
	Name     *string
	Position *int
}

// UpdateFriendCategory writes the fields u sets of one category.
func (s *Store) UpdateFriendCategory(ctx context.Context, id int64, u FriendCategoryUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "position", u.Position)
	return s.update(ctx, &FriendCategory{}, c, "id = ?", id)
}

// DeleteFriendCategory removes one category.
func (s *Store) DeleteFriendCategory(ctx context.Context, id int64) error {
	return s.q(ctx).Delete(&FriendCategory{}, id).Error
}
