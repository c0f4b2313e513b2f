#!/usr/bin/env bash
# make demo: the provider working on a local control plane, in one command.
# It starts everything it needs and removes everything it made, also on
# Ctrl-C and on failure. KEEP=1 leaves the environment running.
# DEMO_CI=1 prints plain output for the test that checks this script.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${KUBEHARDEN_BIN_DIR:-$root/bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/kubeharden-demo-XXXXXX")
env_pid=""

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[ -n "${DEMO_CI:-}" ] && step() { printf '\n==> %s\n' "$*"; }

cleanup() {
  local code=$?
  if [ -n "${KEEP:-}" ] && [ "$code" = 0 ]; then
    step "KEEP=1: the environment keeps running"
    echo "  export KUBECONFIG=$work/env/controlplane/kubeconfig"
    echo "  export TF_CLI_CONFIG_FILE=$work/terraformrc"
    echo "  cd $work/tf && terraform plan"
    echo "  stop it with: kill $env_pid; rm -rf $work"
    return
  fi
  if [ -n "$env_pid" ]; then
    kill "$env_pid" 2>/dev/null || true
    wait "$env_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  [ "$code" = 0 ] || echo "demo failed (exit $code); everything it started was stopped and its files removed" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Building the local environment runner"
go build -o "$work/localenv" "$root/internal/acctest/cmd/localenv"

step "Starting a local control plane (etcd + kube-apiserver $(cat "$bin/.controlplane-version" 2>/dev/null))"
mkdir -p "$work/env"
KUBEHARDEN_BIN_DIR=$bin "$work/localenv" -dir "$work/env" > "$work/env.log" 2>&1 &
env_pid=$!
for _ in $(seq 1 600); do
  [ -f "$work/env/ready" ] && break
  kill -0 "$env_pid" 2>/dev/null || { cat "$work/env.log" >&2; exit 1; }
  sleep 0.2
done
[ -f "$work/env/ready" ] || { echo "the local environment did not start in time" >&2; cat "$work/env.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$work/env/env.sh"
echo "kube-apiserver at $KUBEHARDEN_CP_HOST"

step "Pointing Terraform at the provider built in bin/ (dev_overrides, no registry)"
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "kubeharden/kubeharden" = "$bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc
export TF_IN_AUTOMATION=1 TF_INPUT=0
mkdir -p "$work/tf"
cp "$root"/examples/demo/*.tf "$work/tf/"
cd "$work/tf"
export TF_VAR_kubeconfig=$KUBECONFIG

step "terraform apply"
terraform apply -auto-approve -no-color
terraform output -no-color

step "Summary"
echo "Read the cluster's version and container runtimes through kubeharden_cluster."
