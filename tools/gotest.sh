#!/usr/bin/env bash
# Runs go test verbosely once per Terraform CLI, shows every test's result
# line (not the RUN/PAUSE/CONT noise), and ends with one "N passed, N failed,
# N skipped" line per CLI and a total, so a reader (and CI) sees what ran on
# which CLI rather than skipped. It fails when any pass fails.
#
#   pass 1  Terraform from PATH (1.11): every test, unit and acceptance.
#   pass 2  Terraform 1.16, built by tools/terraform: the tests that run on
#           every CLI, and the Terraform 1.16 features.
#   pass 3  OpenTofu 1.12, built by tools/opentofu: the tests that run on
#           every CLI, and resource identity (OpenTofu has it since 1.12),
#           less the list resources and actions.
#
# Passes 2 and 3 run only the acceptance tests (they need TF_ACC=1) and only
# among those the arguments select: a -run of the caller narrows every pass.
# KUBEHARDEN_TEST_PASSES picks passes, e.g. "1" for a quick local run;
# the default is "1 2 3".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${KUBEHARDEN_BIN_DIR:-$root/bin}

# Which tests run on which CLI. Tests follow these names; this is the one
# place that reads them:
#  - every CLI: a test whose name ends in _basic or _lifecycle. Each resource,
#    data source and function has one (TestAccNamespacePodSecurity_lifecycle,
#    TestAccClusterDataSource_basic, ...).
#  - Terraform 1.16 features: TestAcc*_identity*, TestAcc*List_* and
#    TestAcc*Action_* (resource identity, list resources, actions). They gate
#    themselves with tfversion.SkipBelow (1.12 for identity, 1.14 for list
#    resources and actions), so they skip in pass 1 and run in pass 2.
#  - resource identity (TestAcc*_identity*) runs on OpenTofu 1.12 too; list
#    resources and actions (TestAcc*List_*, TestAcc*Action_*) are Terraform's
#    only.
every_cli='^TestAcc\w*_(basic|lifecycle)$'
identity='^TestAcc\w*_identity\w*$'
terraform_only='^TestAcc\w*(List_\w*|Action_\w*)$'
tf116_features="$identity|$terraform_only"

pin() { awk -v m="$2" '$1 == "require" && $2 == m { sub(/^v/, "", $3); print $3; exit }' "$root/tools/$1/go.mod"; }
terraform116="$bin/terraform-$(pin terraform github.com/hashicorp/terraform)"
tofu112="$bin/tofu-$(pin opentofu github.com/opentofu/opentofu)"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summary=()
total_passed=0 total_failed=0 total_skipped=0 status=0

# cli_name BINARY prints "terraform 1.11.4" or "opentofu 1.12.6": both CLIs
# answer `version -json` with a terraform_version field.
cli_name() {
  local v kind=terraform
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p')
  case "$(basename "$1")" in tofu*) kind=opentofu ;; esac
  echo "$kind ${v:-unknown}"
}

# selected PASS_REGEX EXCLUDE_REGEX ARGS... prints ^(A|B|...)$ for the tests
# that the caller's arguments (their -run, their packages) and PASS_REGEX
# select and EXCLUDE_REGEX does not, or nothing. It reads the test functions
# from the packages' sources: go test -list would link every test binary once
# more.
selected() {
  local re=$1 exclude=$2 run=. pkgs=()
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
    -run | --run | -test.run) run=${2:-.}; shift ;;
    -run=* | --run=* | -test.run=*) run=${1#*=} ;;
    # Flags whose value is the next argument.
    -skip | -timeout | -count | -parallel | -cpu | -tags | -p | -bench | -benchtime | -fuzz | -fuzztime | -coverprofile | -covermode | -coverpkg | -o | -ldflags | -gcflags | -shuffle | -exec) shift ;;
    -*) ;;
    *) pkgs+=("$1") ;;
    esac
    shift
  done
  [ ${#pkgs[@]} -eq 0 ] && pkgs=(.)
  go list -find -f '{{.Dir}}' "${pkgs[@]}" 2>/dev/null | while read -r dir; do
    cat "$dir"/*_test.go 2>/dev/null | grep -o -P '^func \KTest\w+(?=\(\w+ \*testing\.T\))'
  done | grep -P -- "${run%%/*}" | grep -P "$re" | grep -v -P "$exclude" | sort -u | paste -sd'|' | sed 's/^\(..*\)$/^(\1)$/'
}

# run_pass LABEL ENV... -- GO_TEST_ARGS...
run_pass() {
  local label=$1; shift
  local env=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  local log="$logs/pass$((${#summary[@]} + 1)).log" start=$SECONDS
  echo
  echo "=== CLI pass: $label"
  env "${env[@]}" go test -v "$@" 2>&1 | tee "$log" | grep --line-buffered -a -v -E '^=== (RUN|PAUSE|CONT|NAME)'
  local rc=${PIPESTATUS[0]}
  local passed failed skipped
  passed=$(grep -a -c -E '^\s*--- PASS' "$log")
  failed=$(grep -a -c -E '^\s*--- FAIL' "$log")
  skipped=$(grep -a -c -E '^\s*--- SKIP' "$log")
  [ "$rc" -ne 0 ] && status=1
  summary+=("$label: $passed passed, $failed failed, $skipped skipped ($((SECONDS - start))s$([ "$rc" -ne 0 ] && echo ", exit $rc"))")
  total_passed=$((total_passed + passed)) total_failed=$((total_failed + failed)) total_skipped=$((total_skipped + skipped))
}

passes=${KUBEHARDEN_TEST_PASSES:-1 2 3}
for p in $passes; do
  case $p in
  1)
    tf=$(command -v terraform) || { echo "terraform is not on PATH"; exit 1; }
    run_pass "$(cli_name "$tf")" -u TF_ACC_TERRAFORM_PATH -u TF_ACC_PROVIDER_HOST -- "$@"
    ;;
  2 | 3)
    if [ -z "${TF_ACC:-}" ]; then
      echo "pass $p: skipped, the acceptance tests run with TF_ACC=1"
      continue
    fi
    if [ "$p" = 2 ]; then
      cli=$terraform116 re="$every_cli|$tf116_features" exclude='^$'
      env=(TF_ACC_TERRAFORM_PATH="$cli")
    else
      # OpenTofu resolves a provider without a source to
      # registry.opentofu.org/hashicorp/<name>: the in-process provider of
      # terraform-plugin-testing must be registered under that address.
      # OpenTofu 1.12 has resource identity (import blocks with identity,
      # identity in state), but no list resources or actions: their tests
      # (even one named _basic, such as TestAccStorageRewriteAction_basic)
      # are left out rather than shown as skipped.
      cli=$tofu112 re="$every_cli|$identity" exclude=$terraform_only
      # Without a CLI configuration file OpenTofu writes a warning to stdout,
      # before the output of `tofu version -json`, and terraform-exec cannot
      # read the version: give it an empty one.
      : >"$logs/empty.tofurc"
      env=(TF_ACC_TERRAFORM_PATH="$cli" TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_CLI_CONFIG_FILE="$logs/empty.tofurc")
    fi
    if [ ! -x "$cli" ]; then
      echo "pass $p: $cli is missing: run 'make clis'"
      status=1
      continue
    fi
    run=$(selected "$re" "$exclude" "$@")
    if [ -z "$run" ]; then
      echo "pass $p: no test of this run is one that runs on $(cli_name "$cli")"
      continue
    fi
    # The last -run wins: it narrows the caller's selection to this pass.
    run_pass "$(cli_name "$cli")" "${env[@]}" -- "$@" -run "$run"
    ;;
  *)
    echo "KUBEHARDEN_TEST_PASSES: unknown pass $p (1, 2 or 3)"
    exit 1
    ;;
  esac
done

echo
for line in "${summary[@]}"; do echo "$line"; done
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
