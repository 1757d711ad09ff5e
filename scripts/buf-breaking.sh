#!/usr/bin/env bash
# `buf breaking` against a previous state of the contracts (default: the main branch).
# Where that state has no contracts yet (a repository's first commit), there is nothing
# a change could break, and the check says so instead of failing.
set -euo pipefail
against=${1:-.git#branch=main}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ $against == .git#branch=* ]]; then
  ref=${against#.git#branch=}
  if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || ! git cat-file -e "$ref:proto" 2>/dev/null; then
    echo "buf breaking: $ref has no proto/ yet; nothing to compare against"
    exit 0
  fi
fi
node_modules/.bin/buf breaking --against "$against"
echo "buf breaking: no breaking change against $against"
