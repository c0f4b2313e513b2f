#!/usr/bin/env bash
# Builds a Terraform-compatible CLI pinned in a tools/ folder's go.mod into
# <repo>/bin as <name>-<version>, once: a stamp of the inputs is kept beside
# the binary and the build is skipped while it matches. The acceptance tests
# run their second (Terraform 1.16) and third (OpenTofu 1.12) pass with them
# (tools/gotest.sh); Terraform 1.11 comes from PATH.
#
# usage: cli-build.sh <folder> <name> <module> <main package> <CPU minutes>
#   cli-build.sh tools/terraform terraform github.com/hashicorp/terraform github.com/hashicorp/terraform 10
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 <folder> <name> <module> <main package> <CPU minutes>" >&2; exit 2; }
here=$(cd "$1" && pwd)
name=$2 module=$3 pkg=$4 cpu=$5
out=${KUBEHARDEN_BIN_DIR:-$(dirname "${BASH_SOURCE[0]}")/../bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(awk -v m="$module" '$1 == "require" && $2 == m { print $3; exit }' "$here/go.mod")
[ -n "$version" ] || { echo "$name: $here/go.mod does not require $module" >&2; exit 1; }
bin="$out/$name-${version#v}"
stamp=$( (cat "$here/go.mod" "$here/go.sum" "${BASH_SOURCE[0]}"; echo "$module $pkg") | sha256sum | cut -c1-16)
stampfile="$out/.$name-${version#v}-stamp"

if [ -x "$bin" ] && [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ]; then
  echo "$name: $version is up to date in $bin"
  exit 0
fi

cd "$here"
start=$(date +%s)
echo "$name: building $module $version from its Go module into $bin"
echo "$name: the first build downloads modules and compiles it: about $cpu minutes of CPU, half that on 2 idle cores, longer on a busy machine (later runs reuse it)"
echo "$name: [1/2] downloading modules"
go mod download
echo "$name: [2/2] compiling ($(( $(date +%s) - start ))s)"
# Show that the compiler is still busy during the long step.
( while sleep 30; do echo "$name:   still compiling ($(( $(date +%s) - start ))s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
# dev=no builds it as a release: `<name> version` says 1.16.0, as the
# released binary does, not 1.16.0-dev. Experiments stay off
# (main.experimentsAllowed).
CGO_ENABLED=0 go build -ldflags "-s -w -X $module/version.dev=no" -o "$bin.tmp" "$pkg"
mv "$bin.tmp" "$bin"
echo "$stamp" > "$stampfile"
echo "$name: built in $(( $(date +%s) - start ))s"
