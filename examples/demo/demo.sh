#!/usr/bin/env bash
# make demo: the provider working on a local control plane, in one command.
# It starts everything it needs and removes everything it made, also on
# Ctrl-C and on failure. KEEP=1 leaves the environment running.
# DEMO_CI=1 prints plain output for the test that checks this script.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${KUBEHARDEN_BIN_DIR:-$root/bin}
# Where the built provider is (make demo builds it into bin/).
provider_dir=${KUBEHARDEN_PROVIDER_DIR:-$bin}
[ -x "$provider_dir/terraform-provider-kubeharden" ] || { echo "no provider binary in $provider_dir: run make build" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kubeharden-demo-XXXXXX")
env_pid=""

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[ -n "${DEMO_CI:-}" ] && step() { printf '\n==> %s\n' "$*"; }

cleanup() {
  local code=$?
  if [ -n "${KEEP:-}" ] && [ "$code" = 0 ]; then
    step "KEEP=1: the environment keeps running"
    echo "  source $work/env/env.sh   # KUBECONFIG, AWS_*, ARM_*, SSL_CERT_FILE"
    echo "  export TF_CLI_CONFIG_FILE=$work/terraformrc"
    echo "  export TF_VAR_kubeconfig=\$KUBECONFIG TF_VAR_eks_endpoint=\$KUBEHARDEN_MOTO_URL TF_VAR_azure_endpoint=\$KUBEHARDEN_ARM_URL"
    echo "  export TF_VAR_encryption_config_path=$work/etc/kubernetes/enc/encryption-config.yaml"
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

step "Starting a local control plane (etcd + kube-apiserver $(cat "$bin/.controlplane-version" 2>/dev/null)), moto's EKS emulator and a fake Azure Resource Manager"
mkdir -p "$work/env"
KUBEHARDEN_BIN_DIR=$bin "$work/localenv" -dir "$work/env" -moto -azure > "$work/env.log" 2>&1 &
env_pid=$!
for _ in $(seq 1 600); do
  [ -f "$work/env/ready" ] && break
  kill -0 "$env_pid" 2>/dev/null || { cat "$work/env.log" >&2; exit 1; }
  sleep 0.2
done
[ -f "$work/env/ready" ] || { echo "the local environment did not start in time" >&2; cat "$work/env.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$work/env/env.sh"
echo "kube-apiserver at $KUBEHARDEN_CP_HOST; EKS (moto) at $KUBEHARDEN_MOTO_URL with cluster demo-prod; AKS (fake ARM) at $KUBEHARDEN_ARM_URL with cluster rg-demo/demo-aks"
# The provider trusts the fake ARM's certificate through SSL_CERT_FILE alone (env.sh sets it).
echo "SSL_CERT_FILE=${SSL_CERT_FILE/#$work/<tmp>} (the local CA, then the system roots)"

step "Seeding a realistic cluster: three team namespaces with running pods, and nodes"
kubectl apply -f "$root/examples/demo/seed.yaml" >/dev/null
# No kubelet runs here, so the nodes' runtime is reported as a kubelet would.
node_status() {
  kubectl patch node "$1" --subresource=status --type=merge -p \
    "{\"status\":{\"nodeInfo\":{\"kubeletVersion\":\"v1.36.3\",\"containerRuntimeVersion\":\"$2\",\"osImage\":\"$3\",\"kernelVersion\":\"6.1.0\",\"operatingSystem\":\"linux\",\"architecture\":\"amd64\",\"machineID\":\"\",\"systemUUID\":\"\",\"bootID\":\"\",\"kubeProxyVersion\":\"\"}}}" >/dev/null
}
node_status ip-10-0-1-11 containerd://1.7.27 "Amazon Linux 2023"
node_status ip-10-0-1-12 containerd://1.7.27 "Amazon Linux 2023"
node_status ip-10-0-9-40 docker://20.10.25 "Amazon Linux 2 (legacy node group)"
kubectl get pods -A -o wide --no-headers | awk '{print "  " $1 "/" $2}'

step "Pointing Terraform at the provider built in bin/ (dev_overrides, no registry)"
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "kubeharden/kubeharden" = "$provider_dir"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc
export TF_IN_AUTOMATION=1 TF_INPUT=0
mkdir -p "$work/tf"
cp "$root"/examples/demo/*.tf "$work/tf/"
cd "$work/tf"
export TF_VAR_kubeconfig=$KUBECONFIG TF_VAR_eks_endpoint=$KUBEHARDEN_MOTO_URL TF_VAR_azure_endpoint=$KUBEHARDEN_ARM_URL
export TF_VAR_encryption_config_path=$work/etc/kubernetes/enc/encryption-config.yaml
# Only the overridden provider is used, so there is nothing to install.
tf() { terraform "$@" -no-color 2>&1 | sed '/Warning: Provider development overrides are in effect/,/releases\.$/d'; return "${PIPESTATUS[0]}"; }

step "Preview: what if we enforced baseline in team-c too? (terraform plan, nothing is written)"
tf plan -var enforce_everywhere=true | sed -n '/Warning: Pods Would Violate/,/on_violation/p'

step "terraform apply: audit/warn restricted everywhere, enforce baseline where safe"
tf apply -auto-approve > "$work/apply.log" || { cat "$work/apply.log" >&2; exit 1; }
grep -E '^(kubeharden_|data\.|Apply complete|Plan:)' "$work/apply.log"
kubectl get ns team-a team-b team-c -L pod-security.kubernetes.io/enforce,pod-security.kubernetes.io/warn

step "KMS v2 EncryptionConfiguration written for kube-apiserver"
stat -c '%A %n' "$TF_VAR_encryption_config_path" | sed "s|$work|<tmp>|"
sed 's/^/  /' "$TF_VAR_encryption_config_path"

step "seccomp by default: a new pod in team-a that sets no profile"
for _ in $(seq 1 100); do
  profile=$(kubectl run seccomp-probe -n team-a --image=registry.k8s.io/pause:3.10 --restart=Never --dry-run=server \
    -o jsonpath='{.spec.securityContext.seccompProfile.type}' 2>/dev/null || true)
  [ "$profile" = RuntimeDefault ] && break
  sleep 0.3
done
echo "spec.securityContext.seccompProfile.type = ${profile:-<none>}"

step "Outputs"
tf output

step "Upgrade readiness: a check block on kubeharden_eks_cluster.readiness"
tf plan -out="$work/ready.tfplan" > "$work/plan.log" || { cat "$work/plan.log" >&2; exit 1; }
grep -m1 'Warning: Check block assertion failed' "$work/plan.log" || true
# terraform plan exits 0 on a failed check; the saved plan records each
# check's status and messages, which is what a CI job reads.
terraform show -json "$work/ready.tfplan" | python3 -c '
import json, sys
for c in json.load(sys.stdin).get("checks", []):
    print(c["address"]["to_display"] + ": " + c["status"])
    for i in c.get("instances", []):
        for p in i.get("problems", []):
            print("  " + p["message"])
'

step "Drift: someone relaxes team-a with kubectl"
kubectl label ns team-a pod-security.kubernetes.io/enforce=privileged --overwrite
set +e
tf plan -detailed-exitcode | grep -E '^\s+[~+-] |^\s+# |Plan:'
code=${PIPESTATUS[0]}
set -e
echo "terraform plan -detailed-exitcode exited $code (2 = drift)"
[ "$code" = 2 ] || { echo "expected exit code 2" >&2; exit 1; }

step "terraform apply repairs it"
tf apply -auto-approve > "$work/apply.log" || { cat "$work/apply.log" >&2; exit 1; }
grep -E 'Apply complete' "$work/apply.log"
set +e
tf plan -detailed-exitcode >/dev/null
code=$?
set -e
echo "terraform plan -detailed-exitcode exited $code (0 = no drift)"
[ "$code" = 0 ] || { echo "expected exit code 0" >&2; exit 1; }

step "Summary"
cat <<SUMMARY
  - Pod Security Admission rolled out: audit/warn restricted in team-a, team-b, team-c;
    enforce baseline in team-a and team-b, where every running pod passes it.
  - The plan previewed which team-c pods enforce=baseline would reject (node-exporter, vpn-gateway),
    before anything was written.
  - kubeharden_encryption_config wrote a KMS v2 EncryptionConfiguration (mode 0600, atomically).
  - kubeharden_seccomp_default made RuntimeDefault the seccomp profile of new pods that set none.
  - kubeharden_cluster read the cluster version and each node's container runtime (one node still on docker);
    kubeharden_eks_cluster read the EKS cluster and its node groups (one legacy group still on docker);
    kubeharden_aks_cluster read the AKS cluster and its Linux and Windows node pools (all on containerd).
  - A check block on kubeharden_eks_cluster.readiness failed on the legacy AL2 node group (past its end of support):
    terraform plan still exits 0, so CI reads the check's status from the saved plan (terraform show -json).
  - Drift made with kubectl was caught by terraform plan -detailed-exitcode (exit 2) and repaired by apply (exit 0).
SUMMARY
