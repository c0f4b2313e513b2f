//go:build tools

// Package terraform pins the Terraform CLI that build.sh builds.
package terraform

import _ "github.com/hashicorp/terraform"
