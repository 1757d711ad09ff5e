#!/usr/bin/env bash
# Installs gen/python as a package into a scratch directory and imports every generated
# module from outside the checkout, so a missing __init__.py or dependency shows up.
set -euo pipefail
python=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  --target "$scratch/site" "$root/gen/python"
modules=$(cd "$root/gen/python/src" && find spreadscan -name '*.py' ! -name '__init__.py' | LC_ALL=C sort | sed 's|/|.|g; s|\.py$||')
cd "$scratch"
PYTHONPATH="$scratch/site" "$python" - $modules <<'PY'
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from spreadscan.coordinator.v1 import coordinator_service_pb2_grpc as c
assert hasattr(c, "CoordinatorServiceStub")
print(f"gen/python: installed and imported {len(sys.argv) - 1} modules")
PY
