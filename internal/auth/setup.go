package auth

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

const setupKey = "setup_done"

// SetupNeeded reports whether no user exists yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, errs.Wrap(err, "count users")
	}
	return n == 0, nil
}

// Setup creates the first admin (verified) and signs them in. It works
// only while no user exists, and only once even if two requests race: the
// setup latch row is unique.
func (s *Service) Setup(ctx context.Context, n NewUser) (*Session, error) {
	n.Role, n.Verified = RoleAdmin, true
	var sess *Session
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		count, err := tx.CountUsers(ctx)
		if err != nil {
			return errs.Wrap(err, "count users")
		}
		if count > 0 {
			return errs.R(errs.Conflict, "setup_done", "Parley is already set up; sign in instead")
		}
		if err := tx.InsertSetting(ctx, setupKey, "1"); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errs.R(errs.Conflict, "setup_done", "Parley is already set up; sign in instead")
			}
			return errs.Wrap(err, "setup latch")
		}
		u, err := s.createUser(ctx, tx, n)
		if err != nil {
			return err
		}
		sess, err = s.newSession(ctx, tx, u, "")
		return err
	})
	return sess, err
}
