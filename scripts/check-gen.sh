#!/usr/bin/env bash
# Fails when gen/ differs from what `make gen` writes: a hand edit, a stale file, or a
# proto change whose generated code was not committed. Regenerates into a scratch copy, so
# the work tree is never touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -a gen "$scratch/gen"
scripts/gen.sh "$scratch/gen"
if ! diff -r --brief gen "$scratch/gen"; then
  echo "gen/ is not what 'make gen' writes (above). Run 'make gen' and commit the result." >&2
  diff -r -u gen "$scratch/gen" | head -n 60 >&2 || true
  exit 1
fi
echo "gen/ matches make gen"
