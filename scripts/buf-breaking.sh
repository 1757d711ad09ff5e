#!/usr/bin/env bash
# `buf breaking`: fails when the contracts in the work tree would break a client built
# against their previous state.
#
# With a non-empty argument (`make breaking BUF_BREAKING_AGAINST=...`), compares against
# that input: a directory, `.git#branch=main`, `.git#ref=v1.2.0`, anything buf accepts.
#
# Without one, the previous state comes from git history. CI runs `make test` on main
# itself, in a fresh clone of what was just submitted, so comparing against the main
# branch would compare a commit with itself and never fail. Instead:
#   - proto/ has uncommitted changes (staged, unstaged or new files): against HEAD, the
#     contracts as last committed. This is a developer before committing.
#   - otherwise (CI, a clean tree): against the parent of the newest commit, along the
#     first-parent line, that changed proto/: the contracts as they were before their last
#     change. Not simply HEAD~1: when the last commit of a submission leaves proto/ alone,
#     HEAD~1 holds the same contracts as HEAD and a break made one commit earlier would pass.
#     (A break followed by a second contract change in the same submission is checked only
#     by the first case, on the developer's machine before each commit.)
#   - no such parent (proto/ came with the root commit, no commit or no repository at all):
#     there is nothing a change could break, and the check says so instead of failing.
# A shallow clone may lack that parent: then the check fails and says how to get it, rather
# than pass without comparing. A deliberate break belongs in buf.yaml's `breaking.ignore`.
set -euo pipefail
against=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

nothing_to_compare() {
  echo "buf breaking: $1; nothing to compare against"
  exit 0
}

if [[ -z $against ]]; then
  git rev-parse --verify --quiet HEAD >/dev/null 2>&1 || nothing_to_compare "no git commit here"
  if [[ -n $(git status --porcelain --untracked-files=all -- proto) ]]; then
    baseline=$(git rev-parse HEAD)
    why="HEAD ($baseline), as proto/ has uncommitted changes"
  else
    changed=$(git log -1 --first-parent --format=%H HEAD -- proto)
    [[ -n $changed ]] || nothing_to_compare "no commit has proto/ yet"
    if ! baseline=$(git rev-parse --verify --quiet "$changed^1"); then
      if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
        echo "buf breaking: this is a shallow clone without the commit before $changed, the last change to proto/;" >&2
        echo "  fetch the history (git fetch --unshallow) or name a state to compare against (BUF_BREAKING_AGAINST)" >&2
        exit 2
      fi
      nothing_to_compare "proto/ was created by the root commit $changed"
    fi
    why="$baseline, the parent of $changed, the last commit that changed proto/"
  fi
  git cat-file -e "$baseline:proto" 2>/dev/null || nothing_to_compare "$baseline has no proto/"
  against=".git#ref=$baseline"
  echo "buf breaking: comparing the work tree with $why"
elif [[ $against == .git#branch=* ]]; then
  ref=${against#.git#branch=}
  ref=${ref%%,*}
  if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null 2>&1 || ! git cat-file -e "$ref:proto" 2>/dev/null; then
    nothing_to_compare "$ref has no proto/ yet"
  fi
fi
node_modules/.bin/buf breaking --against "$against"
echo "buf breaking: no breaking change against $against"
