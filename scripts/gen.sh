#!/usr/bin/env bash
# Writes every generated artifact under OUT (default gen/) from proto/ and
# third_party/proto/, with the pinned local tools that `make setup` installs.
# Hand-kept files under OUT (gen/go/go.mod, gen/python/pyproject.toml, ...) are left alone;
# everything generated is deleted first, so a stale file cannot survive.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/gen}")
cd "$root"

buf=node_modules/.bin/buf
python=.tools/venv/bin/python
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

rm -rf "$out/ts" "$out/es" "$out/go/spreadscan" "$out/python/src/spreadscan" "$out/descriptor"

"$buf" generate --output "$out"
"$buf" generate third_party/proto --template buf.gen.third-party.yaml --output "$out"

"$buf" build --as-file-descriptor-set --output "$scratch/own.binpb"
"$buf" build third_party/proto --as-file-descriptor-set --output "$scratch/third-party.binpb"
mkdir -p "$out/descriptor"
node --import tsx scripts/merge-descriptor-sets.ts \
  "$out/descriptor/spreadscan.binpb" "$out/ts/descriptor-set.ts" \
  "$scratch/own.binpb" "$scratch/third-party.binpb"

mkdir -p "$out/python/src"
mapfile -t protos < <(cd proto && find spreadscan -name '*.proto' | LC_ALL=C sort)
"$python" -m grpc_tools.protoc \
  --descriptor_set_in="$scratch/own.binpb" \
  --python_out="$out/python/src" --pyi_out="$out/python/src" --grpc_python_out="$out/python/src" \
  "${protos[@]}"
find "$out/python/src/spreadscan" -type d -exec touch {}/__init__.py \;
