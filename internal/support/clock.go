package support

import "github.com/jonboulle/clockwork"

// clock is the configured clock, or the real one.
func (c Config) clock() clockwork.Clock {
	if c.Clock == nil {
		return clockwork.NewRealClock()
	}
	return c.Clock
}
