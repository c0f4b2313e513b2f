#!/usr/bin/env bash
# Builds the Terraform CLI pinned in this folder's go.mod into <repo>/bin as
# terraform-<version>, once: a stamp of the inputs is kept beside the binary
# and the build is skipped while it matches. The acceptance tests run their
# second pass with it (tools/gotest.sh); Terraform 1.11 comes from PATH.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${KUBEHARDEN_BIN_DIR:-$here/../../bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(awk '$1 == "require" && $2 == "github.com/hashicorp/terraform" { print $3; exit }' "$here/go.mod")
bin="$out/terraform-${version#v}"
stamp=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
stampfile="$out/.terraform-${version#v}-stamp"

if [ -x "$bin" ] && [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ]; then
  echo "terraform: $version is up to date in $bin"
  exit 0
fi

cd "$here"
start=$(date +%s)
echo "terraform: building Terraform $version from its Go module into $bin"
echo "terraform: the first build downloads modules and compiles Terraform: about 10 minutes of CPU, 5 on 2 idle cores, longer on a busy machine (later runs reuse it)"
echo "terraform: [1/2] downloading modules"
go mod download
echo "terraform: [2/2] compiling ($(( $(date +%s) - start ))s)"
# Show that the compiler is still busy during the long step.
( while sleep 30; do echo "terraform:   still compiling ($(( $(date +%s) - start ))s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
# dev=no builds it as a release: `terraform version` says 1.16.0, as the
# released binary does, not 1.16.0-dev. Experiments stay off (main.experimentsAllowed).
CGO_ENABLED=0 go build -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
  -o "$bin.tmp" github.com/hashicorp/terraform
mv "$bin.tmp" "$bin"
echo "$stamp" > "$stampfile"
echo "terraform: built in $(( $(date +%s) - start ))s"
