#!/usr/bin/env bash
# Runs go test verbosely, shows every test's result line (not the RUN/PAUSE/
# CONT noise), and ends with one "N passed, N failed, N skipped" line, so a
# reader (and CI) sees that the acceptance tests ran rather than skipped.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -v "$@" 2>&1 | tee "$log" | grep --line-buffered -a -v -E '^=== (RUN|PAUSE|CONT|NAME)'
status=${PIPESTATUS[0]}
passed=$(grep -a -c -E '^\s*--- PASS' "$log")
failed=$(grep -a -c -E '^\s*--- FAIL' "$log")
skipped=$(grep -a -c -E '^\s*--- SKIP' "$log")
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
