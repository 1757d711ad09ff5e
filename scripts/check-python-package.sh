#!/usr/bin/env bash
# Installs gen/python as a package into the environment of the given Python (`make setup`'s
# .tools/venv, where the interop tests and examples/python use it), then imports every
# generated module from outside the checkout, so a missing __init__.py or dependency shows
# up. The package is built from a clean copy, so neither gen/ nor a stale build/ directory
# left in it plays any part, and reinstalled every time, so the environment holds what gen/
# holds now.
set -euo pipefail
python=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/package"
cp -R "$root/gen/python/pyproject.toml" "$root/gen/python/src" "$scratch/package/"
find "$scratch/package/src" -name '*.egg-info' -prune -exec rm -rf {} +
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  --force-reinstall "$scratch/package"
modules=$(cd "$root/gen/python/src" && find spreadscan -name '*.py' ! -name '__init__.py' | LC_ALL=C sort | sed 's|/|.|g; s|\.py$||')
cd "$scratch"
"$python" - "$root" $modules <<'PY'
import importlib, os, sys
root = os.path.realpath(sys.argv[1])
for name in sys.argv[2:]:
    module = importlib.import_module(name)
    if os.path.realpath(module.__file__).startswith(root + os.sep + "gen"):
        sys.exit(f"gen/python: {name} was imported from the checkout, not from the installed package")
from spreadscan.coordinator.v1 import coordinator_service_pb2_grpc as c
assert hasattr(c, "CoordinatorServiceStub")
print(f"gen/python: installed and imported {len(sys.argv) - 2} modules")
PY
