//go:build tools

// Package opentofu pins the OpenTofu CLI that build.sh builds.
package opentofu

import _ "github.com/opentofu/opentofu/cmd/tofu"
