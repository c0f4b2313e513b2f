#!/usr/bin/env bash
# make release-check: proves that .goreleaser.yml builds the release the
# Terraform Registry accepts, and that Terraform installs and runs it.
#
#  1. goreleaser check, on the complete configuration;
#  2. goreleaser release --snapshot --clean --skip=sign,publish, into dist/;
#  3. the artifacts: one terraform-provider-kubeharden_<version>_<os>_<arch>.zip
#     per target, each holding only terraform-provider-kubeharden_v<version>
#     (.exe on Windows), the _manifest.json (the repository's
#     terraform-registry-manifest.json), and _SHA256SUMS naming exactly the
#     zips and the manifest, verified with sha256sum -c;
#  4. the zip of this machine's platform, unpacked into a filesystem mirror
#     (<host>/<namespace>/<type>/<version>/<os>_<arch>/), installed by
#     `terraform init` through provider_installation { filesystem_mirror },
#     and run by `terraform plan` of a kubeharden_namespace_pod_security
#     against a local control plane.
#
# RELEASE_CHECK_TARGETS=all (the default) builds every target of the
# configuration, as a release does. A space-separated list of goreleaser
# targets (e.g. "linux_amd64_v1") builds only those, for a quicker local run:
# the configuration is copied with its goos/goarch/ignore lines (between the
# release-check:targets markers) replaced by `targets:`; step 1 still checks
# the complete file, and step 3 checks exactly the targets built.
# RELEASE_CHECK_SKIP_BUILD=1 checks the release already in dist/ (steps 3-4).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${KUBEHARDEN_BIN_DIR:-$root/bin}
goreleaser=${GORELEASER:-$root/bin/goreleaser}
targets=${RELEASE_CHECK_TARGETS:-all}
name=terraform-provider-kubeharden
dist=$root/dist
# Every target of a complete release (.goreleaser.yml's goos x goarch less
# its ignores); keep the two in step.
full_targets="darwin_amd64 darwin_arm64 freebsd_386 freebsd_amd64 freebsd_arm freebsd_arm64 linux_386 linux_amd64 linux_arm linux_arm64 windows_386 windows_amd64 windows_arm64"

work=$(mktemp -d "${TMPDIR:-/tmp}/kubeharden-release-check-XXXXXX")
env_pid=""
cleanup() {
  local code=$?
  if [ -n "$env_pid" ]; then
    kill "$env_pid" 2>/dev/null || true
    wait "$env_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  [ "$code" = 0 ] || echo "release-check: FAILED (exit $code)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
step() { echo "release-check: [$(( $(date +%s) - start ))s] $*"; }
fail() { echo "release-check: $*" >&2; exit 1; }

[ -x "$goreleaser" ] || fail "no goreleaser at $goreleaser: run make release-check (it builds bin/goreleaser from tools/goreleaser)"
cd "$root"

step "1/4 goreleaser check ($("$goreleaser" --version 2>/dev/null | awk '/^GitVersion:/ {print $2}'))"
"$goreleaser" check --config .goreleaser.yml

config=.goreleaser.yml
if [ "$targets" != all ]; then
  config=$work/goreleaser.yml
  awk -v targets="$targets" '
    /# release-check:targets:begin/ { skip = 1; n = split(targets, t, " "); print "    targets:"; for (i = 1; i <= n; i++) print "      - " t[i]; next }
    /# release-check:targets:end/ { skip = 0; next }
    !skip { print }
  ' .goreleaser.yml > "$config"
  grep -q "^    targets:" "$config" || fail "the release-check:targets markers are missing from .goreleaser.yml"
fi

if [ -n "${RELEASE_CHECK_SKIP_BUILD:-}" ]; then
  step "2/4 skipped (RELEASE_CHECK_SKIP_BUILD): checking the release already in dist/"
else
  step "2/4 goreleaser release --snapshot --clean --skip=sign,publish (targets: $targets)"
  build_start=$(date +%s)
  "$goreleaser" release --snapshot --clean --skip=sign,publish --config "$config"
  step "the snapshot release took $(( $(date +%s) - build_start ))s"
fi

step "3/4 checking the artifacts the Terraform Registry requires"
version=$(jq -r .version "$dist/metadata.json")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]] || fail "version $version is not semver"
built=$(jq -r '.[] | select(.type == "Binary") | .goos + "_" + .goarch' "$dist/artifacts.json" | sort -u | xargs)
if [ "$targets" = all ]; then
  [ "$built" = "$full_targets" ] || fail "built targets: $built; a release needs: $full_targets"
fi
[ -n "$built" ] || fail "no binary was built"
manifest=${name}_${version}_manifest.json
sums=${name}_${version}_SHA256SUMS
# The checksum pipe names the manifest (checksum.extra_files); the release
# pipe, which a snapshot skips, uploads it under that name
# (release.extra_files). Put it where the release would.
[ -f "$dist/$manifest" ] || cp terraform-registry-manifest.json "$dist/$manifest"
cmp -s "$dist/$manifest" terraform-registry-manifest.json || fail "dist/$manifest is missing or differs from terraform-registry-manifest.json"
jq -e '.version == 1 and (.metadata.protocol_versions | index("6.0"))' "$dist/$manifest" >/dev/null || fail "$manifest does not declare protocol 6.0"
expected=("$manifest")
for target in $built; do
  zip=${name}_${version}_${target}.zip
  [ -f "$dist/$zip" ] || fail "missing $zip"
  binary=${name}_v${version}
  [[ $target == windows_* ]] && binary+=.exe
  content=$(unzip -Z1 "$dist/$zip")
  [ "$content" = "$binary" ] || fail "$zip holds [$content], want [$binary]"
  expected+=("$zip")
done
for zip in "$dist"/*.zip; do
  [[ " ${expected[*]} " == *" $(basename "$zip") "* ]] || fail "unexpected archive $(basename "$zip") (names must be ${name}_<version>_<os>_<arch>.zip)"
done
[ -f "$dist/$sums" ] || fail "missing $sums"
listed=$(awk '{print $2}' "$dist/$sums" | sort | xargs)
want=$(printf '%s\n' "${expected[@]}" | sort | xargs)
[ "$listed" = "$want" ] || fail "$sums names [$listed], want [$want]"
(cd "$dist" && sha256sum --strict -c "$sums")
echo "release-check: $version: ${#expected[@]} files (zips and the manifest) named as the registry wants and covered by $sums"

step "4/4 installing the $(go env GOOS)_$(go env GOARCH) zip from a filesystem mirror and planning with it"
platform=$(go env GOOS)_$(go env GOARCH)
zip=$dist/${name}_${version}_${platform}.zip
[ -f "$zip" ] || fail "no zip for this machine's platform $platform: add its target to RELEASE_CHECK_TARGETS"
mirror=$work/mirror
pkg=$mirror/registry.terraform.io/kubeharden/kubeharden/$version/$platform
mkdir -p "$pkg"
unzip -q "$zip" -d "$pkg"
cat > "$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/kubeharden/kubeharden"]
  }
  direct {
    exclude = ["registry.terraform.io/kubeharden/kubeharden"]
  }
}
RC

go build -o "$work/localenv" ./internal/acctest/cmd/localenv
mkdir -p "$work/env"
KUBEHARDEN_BIN_DIR=$bin "$work/localenv" -dir "$work/env" > "$work/env.log" 2>&1 &
env_pid=$!
for _ in $(seq 1 900); do
  [ -f "$work/env/ready" ] && break
  kill -0 "$env_pid" 2>/dev/null || { cat "$work/env.log" >&2; fail "the local control plane did not start"; }
  sleep 0.2
done
[ -f "$work/env/ready" ] || { cat "$work/env.log" >&2; fail "the local control plane did not start in time"; }
# shellcheck disable=SC1091
source "$work/env/env.sh"
kubectl create namespace release-check >/dev/null

mkdir -p "$work/tf"
cat > "$work/tf/main.tf" <<TF
terraform {
  required_providers {
    kubeharden = {
      source = "kubeharden/kubeharden"
      # A pre-release is only chosen when asked for exactly.
      version = "$version"
    }
  }
}

provider "kubeharden" {
  kubernetes {
    config_path = "$KUBECONFIG"
  }
}

resource "kubeharden_namespace_pod_security" "check" {
  namespace = "release-check"
  enforce   = { level = "baseline" }
  warn      = { level = "restricted" }
}
TF
cd "$work/tf"
export TF_CLI_CONFIG_FILE=$work/terraformrc TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_PLUGIN_CACHE_DIR TF_CLI_ARGS TF_CLI_ARGS_init TF_CLI_ARGS_plan
out=$(terraform init -no-color 2>&1) || { echo "$out" >&2; fail "terraform init failed"; }
echo "$out" | grep -E "Installing|Installed" || true
echo "$out" | grep -q "Installed kubeharden/kubeharden v$version" || { echo "$out" >&2; fail "terraform init did not install kubeharden/kubeharden v$version from the mirror"; }
installed=.terraform/providers/registry.terraform.io/kubeharden/kubeharden/$version/$platform/${name}_v${version}
cmp -s "$installed" "$pkg/${name}_v${version}" || fail "$installed is not the binary from the zip"
set +e
out=$(terraform plan -no-color -detailed-exitcode 2>&1)
code=$?
set -e
echo "$out" | sed -n '/Terraform will perform/,/Plan:/p'
[ "$code" = 2 ] || { echo "$out" >&2; fail "terraform plan exited $code, want 2 (a plan with changes)"; }
echo "$out" | grep -q "kubeharden_namespace_pod_security.check will be created" || { echo "$out" >&2; fail "the plan does not create the resource"; }
step "OK: $version builds, packages as the registry requires, installs from a mirror and plans against a control plane"
