#!/usr/bin/env bash
# Builds the local control plane (etcd and kube-apiserver) from the Go modules
# pinned in this folder's go.mod into <repo>/bin, once: a stamp of the inputs
# is kept beside the binaries and the build is skipped while it matches.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${KUBEHARDEN_BIN_DIR:-$here/../../bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)

k8s_version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/go.mod")
if [ -z "$k8s_version" ]; then
  k8s_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3; exit }' "$here/go.mod")
fi
major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
stamp=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)

if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ] && [ "$(cat "$out/.controlplane-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "control plane: kube-apiserver $k8s_version and etcd are up to date in $out"
  exit 0
fi

cd "$here"
start=$(date +%s)
echo "control plane: building etcd and kube-apiserver $k8s_version from their Go modules into $out"
echo "control plane: the first build downloads modules and compiles Kubernetes; it takes several minutes on 2 cores (later runs reuse it)"
echo "control plane: [1/3] downloading modules"
go mod download
echo "control plane: [2/3] building etcd ($(( $(date +%s) - start ))s)"
CGO_ENABLED=0 go build -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3
mv "$out/etcd.tmp" "$out/etcd"
echo "control plane: [3/3] building kube-apiserver ($(( $(date +%s) - start ))s)"
# Show that the compiler is still busy during the long step.
( while sleep 30; do echo "control plane:   still compiling kube-apiserver ($(( $(date +%s) - start ))s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
CGO_ENABLED=0 go build -ldflags "-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean" \
  -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
echo "$stamp" > "$out/.controlplane-stamp"
echo "$k8s_version" > "$out/.controlplane-version"
echo "control plane: built in $(( $(date +%s) - start ))s"
