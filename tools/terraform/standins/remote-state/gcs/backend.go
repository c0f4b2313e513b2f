// Package gcs stands in for Terraform's gcs state backend, whose module is not
// published at the pinned version. The tests never configure a backend; if
// one does, it gets the in-memory backend instead of a remote one.
package gcs

import (
	"github.com/hashicorp/terraform/internal/backend"
	"github.com/hashicorp/terraform/internal/backend/remote-state/inmem"
)

// New returns the in-memory backend.
func New() backend.Backend { return inmem.New() }
