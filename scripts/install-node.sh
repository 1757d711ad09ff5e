#!/usr/bin/env bash
# Installs the project's pinned Node (the version in .nvmrc) under .tools/node from the npm
# registry, whose node-<os>-<arch> packages carry the official binary: a machine with an older
# system Node, or none but npm, needs nothing else. Usage: install-node.sh VERSION DIR
set -euo pipefail
version=$1
home=$2
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "install-node: no pinned Node package for $(uname -s); install Node $version yourself" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-node: no pinned Node package for $(uname -m); install Node $version yourself" >&2; exit 1 ;;
esac
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
npm install --no-audit --no-fund --no-save --no-package-lock --prefix "$staging" "node-$os-$arch@$version" >/dev/null
binary="$staging/node_modules/node-$os-$arch/bin/node"
[ "$("$binary" --version)" = "v$version" ] || { echo "install-node: node-$os-$arch@$version did not give Node v$version" >&2; exit 1; }
rm -rf "$home"
mkdir -p "$home/bin"
mv "$binary" "$home/bin/node"
echo "Node v$version installed at $home/bin/node"
