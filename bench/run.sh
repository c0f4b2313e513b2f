#!/usr/bin/env bash
# make bench: measures the provider against Terraform's floor, its own no-I/O
# floor, one kubectl read, and the one-GET-per-resource design, on a local
# control plane, side by side in one run. Writes bench/results.md.
# BENCH_N (default 10,100,1000) and BENCH_REPS (default 3) tune it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ -x bin/terraform-provider-kubeharden ] || make build
exec python3 bench/bench.py "$@"
