//go:build tools

// Package goreleaser pins the goreleaser version `make release-check` builds
// into bin/goreleaser. It lives in its own module because goreleaser's
// dependency tree is large and unrelated to the provider's and the other
// tools'.
package goreleaser

import (
	_ "github.com/goreleaser/goreleaser/v2"
)
