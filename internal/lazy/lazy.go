// Package lazy owns building a client on first use: the provider blocks
// (kubernetes, aws, google) each give one, so a configuration that never
// touches a platform never needs its credentials, and a block whose values
// are unknown until apply fails only when its client is asked for.
package lazy

import (
	"context"
	"sync"
)

// Client builds a T on the first Get and returns the same T, or the same
// error, to every later call. It is safe for concurrent use: concurrent
// first calls wait for the one build.
type Client[T any] struct {
	build      func(context.Context) (T, error)
	unknown    bool
	errUnknown error

	once sync.Once
	v    T
	err  error
}

// New returns a Client that builds its T with build. When unknown is true
// the configuration is not final yet (values known only after apply): Known
// reports false, and Get fails with errUnknown (the package's
// ErrUnknownConfig) and never builds.
func New[T any](build func(context.Context) (T, error), unknown bool, errUnknown error) *Client[T] {
	return &Client[T]{build: build, unknown: unknown, errUnknown: errUnknown}
}

// Known reports whether the configuration is known (false during a plan
// whose provider configuration depends on resources not yet created).
func (c *Client[T]) Known() bool { return !c.unknown }

// Get returns the T, building it on the first call with that call's ctx.
func (c *Client[T]) Get(ctx context.Context) (T, error) {
	if c.unknown {
		var zero T
		return zero, c.errUnknown
	}
	c.once.Do(func() { c.v, c.err = c.build(ctx) })
	return c.v, c.err
}
