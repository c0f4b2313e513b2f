//go:build tools

// Package tools pins the build-time tools of the repository: the docs
// generator and the linter. Run them with `go run -modfile=tools/go.mod`.
package tools

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
