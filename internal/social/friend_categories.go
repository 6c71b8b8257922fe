package social

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Category is a user's own folder of friends.
type Category struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

// CategoryPatch renames a category or moves it to another position.
type CategoryPatch struct {
	Name     *string
	Position *int
}

var errCategoryExists = errs.R(errs.Conflict, "category_exists", "you already have a category with that name")

func categoryView(c *store.FriendCategory) Category {
	return Category{ID: c.ID, Name: c.Name, Position: c.Position}
}

func checkCategoryName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 32 {
		return "", errs.Field("name", "1 to 32 characters")
	}
	return name, nil
}

// nameTaken reports whether another of cs (not id) has name, ignoring case.
func nameTaken(cs []store.FriendCategory, name string, id int64) bool {
	for _, c := range cs {
		if c.ID != id && strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

// Categories returns the caller's categories by position.
func (s *Service) Categories(ctx context.Context, userID int64) ([]Category, error) {
	cs, err := s.store.FriendCategories(ctx, userID)
	if err != nil {
		return nil, errs.Wrap(err, "list categories")
	}
	out := make([]Category, 0, len(cs))
	for i := range cs {
		out = append(out, categoryView(&cs[i]))
	}
	return out, nil
}

// CreateCategory adds a category at the end. Errors: 400 for a name that is
// empty or over 32 characters, 409 category_exists.
func (s *Service) CreateCategory(ctx context.Context, userID int64, name string) (*Category, error) {
	name, err := checkCategoryName(name)
	if err != nil {
		return nil, err
	}
	var c *store.FriendCategory
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID); err != nil {
			return err
		}
		cs, err := tx.FriendCategories(ctx, userID)
		if err != nil {
			return err
		}
		if nameTaken(cs, name, 0) {
			return errCategoryExists
		}
		c = &store.FriendCategory{UserID: userID, Name: name, Position: len(cs), CreatedAt: s.now()}
		if err := tx.CreateFriendCategory(ctx, c); errors.Is(err, store.ErrConflict) {
			return errCategoryExists
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, asDomain(err, "create category")
	}
	v := categoryView(c)
	return &v, nil
}

// UpdateCategory renames a category and/or moves it to a position (from 0;
// past the end means last), shifting the others.
func (s *Service) UpdateCategory(ctx context.Context, userID, id int64, p CategoryPatch) (*Category, error) {
	var name string
	if p.Name != nil {
		n, err := checkCategoryName(*p.Name)
		if err != nil {
			return nil, err
		}
		name = n
	}
	if p.Position != nil && *p.Position < 0 {
		return nil, errs.Field("position", "must be ≥ 0")
	}
	var out Category
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID); err != nil {
			return err
		}
		cs, err := tx.FriendCategories(ctx, userID)
		if err != nil {
			return err
		}
		at := -1
		for i := range cs {
			if cs[i].ID == id {
				at = i
			}
		}
		if at < 0 {
			return errNoCategory
		}
		if p.Name != nil && name != cs[at].Name {
			if nameTaken(cs, name, id) {
				return errCategoryExists
			}
			if err := tx.UpdateFriendCategory(ctx, id, store.FriendCategoryUpdate{Name: &name}); errors.Is(err, store.ErrConflict) {
				return errCategoryExists
			} else if err != nil {
				return err
			}
			cs[at].Name = name
		}
		moved := cs[at]
		if p.Position != nil {
			to := min(*p.Position, len(cs)-1)
			cs = append(cs[:at], cs[at+1:]...)
			cs = append(cs[:to], append([]store.FriendCategory{moved}, cs[to:]...)...)
		}
		if err := renumber(ctx, tx, cs); err != nil {
			return err
		}
		for i := range cs {
			if cs[i].ID == id {
				out = categoryView(&cs[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, asDomain(err, "update category")
	}
	return &out, nil
}

// renumber stores positions 0, 1, 2… in the order of cs, writing only the
// rows whose position changed.
func renumber(ctx context.Context, tx *store.Store, cs []store.FriendCategory) error {
	for i := range cs {
		if cs[i].Position == i {
			continue
		}
		if err := tx.UpdateFriendCategory(ctx, cs[i].ID, store.FriendCategoryUpdate{Position: new(i)}); err != nil {
			return err
		}
		cs[i].Position = i
	}
	return nil
}

// DeleteCategory removes a category; its friends fall back to none.
func (s *Service) DeleteCategory(ctx context.Context, userID, id int64) error {
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID); err != nil {
			return err
		}
		cs, err := tx.FriendCategories(ctx, userID)
		if err != nil {
			return err
		}
		rest := make([]store.FriendCategory, 0, len(cs))
		found := false
		for _, c := range cs {
			if c.ID == id {
				found = true
			} else {
				rest = append(rest, c)
			}
		}
		if !found {
			return errNoCategory
		}
		if err := tx.ClearCategory(ctx, userID, id); err != nil {
			return err
		}
		if err := tx.DeleteFriendCategory(ctx, id); err != nil {
			return err
		}
		return renumber(ctx, tx, rest)
	})
	if err != nil {
		return asDomain(err, "delete category")
	}
	return nil
}
