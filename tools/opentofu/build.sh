#!/usr/bin/env bash
# Builds the OpenTofu CLI pinned in this folder's go.mod into <repo>/bin as
# tofu-<version>, once: a stamp of the inputs is kept beside the binary and
# the build is skipped while it matches. The acceptance tests run their third
# pass with it (tools/gotest.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${KUBEHARDEN_BIN_DIR:-$here/../../bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(awk '$1 == "require" && $2 == "github.com/opentofu/opentofu" { print $3; exit }' "$here/go.mod")
bin="$out/tofu-${version#v}"
stamp=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
stampfile="$out/.tofu-${version#v}-stamp"

if [ -x "$bin" ] && [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ]; then
  echo "opentofu: $version is up to date in $bin"
  exit 0
fi

cd "$here"
start=$(date +%s)
echo "opentofu: building OpenTofu $version from its Go module into $bin"
echo "opentofu: the first build downloads modules and compiles OpenTofu: about 14 minutes of CPU, 7 on 2 idle cores, longer on a busy machine (later runs reuse it)"
echo "opentofu: [1/2] downloading modules"
go mod download
echo "opentofu: [2/2] compiling ($(( $(date +%s) - start ))s)"
# Show that the compiler is still busy during the long step.
( while sleep 30; do echo "opentofu:   still compiling ($(( $(date +%s) - start ))s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
# dev=no builds it as a release: `tofu version` says 1.12.6, as the
# released binary does, not 1.12.6-dev. Experiments stay off (main.experimentsAllowed).
CGO_ENABLED=0 go build -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
  -o "$bin.tmp" github.com/opentofu/opentofu/cmd/tofu
mv "$bin.tmp" "$bin"
echo "$stamp" > "$stampfile"
echo "opentofu: built in $(( $(date +%s) - start ))s"
