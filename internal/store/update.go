package store

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
