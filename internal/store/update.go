package store

import "context"

// Null is an update of a nullable column: written when Set, as NULL when
// Value is nil. The zero Null leaves the column as it is.
type Null[T any] struct {
	Set   bool
	Value *T
}

// SetTo writes v into a nullable column.
func SetTo[T any](v T) Null[T] { return Null[T]{Set: true, Value: &v} }

// SetNull writes NULL into a nullable column.
func SetNull[T any]() Null[T] { return Null[T]{Set: true} }

// columns collects the columns an update writes, by name: only the store
// spells column names.
type columns map[string]any

func putPtr[T any](c columns, name string, v *T) {
	if v != nil {
		c[name] = *v
	}
}

func putNull[T any](c columns, name string, v Null[T]) {
	if !v.Set {
		return
	}
	if v.Value == nil {
		c[name] = nil
		return
	}
	c[name] = *v.Value
}

// update writes the columns c of the rows of model that where picks; an
// empty c writes nothing.
func (s *Store) update(ctx context.Context, model any, c columns, where string, args ...any) error {
	if len(c) == 0 {
		return nil
	}
	return translate(s.q(ctx).Model(model).Where(where, args...).Updates(map[string]any(c)).Error)
}
