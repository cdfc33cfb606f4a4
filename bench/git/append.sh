#!/bin/sh
# What a script using native git plumbing does to append one file in one commit without an index
# or a working tree: hash-object -w, then mktree for every tree along the path (bottom up, each
# from the existing listing plus the new entry), commit-tree, and update-ref with the old value
# as compare-and-swap.
# usage: append.sh <gitdir> <ref> <path in repo> <file with the content> <message>
set -eu
export GIT_DIR="$1"
ref=$2; path=$3; file=$4; msg=$5
old=$(git rev-parse --verify -q "$ref")
oid=$(git hash-object -w "$file")
entry="100644 blob $oid	${path##*/}"
dir=${path%/*}
while :; do
  existing=$(git ls-tree "$old:$dir" 2>/dev/null | grep -v "	${entry##*	}\$" || true)
  tree=$(printf '%s\n%s\n' "$existing" "$entry" | grep -v '^$' | git mktree)
  if [ "$dir" = "$path" ] || [ -z "$dir" ]; then break; fi
  case "$dir" in */*) name=${dir##*/}; dir=${dir%/*} ;; *) name=$dir; dir= ;; esac
  entry="040000 tree $tree	$name"
  if [ -z "$dir" ]; then
    existing=$(git ls-tree "$old" | grep -v "	$name\$" || true)
    tree=$(printf '%s\n%s\n' "$existing" "$entry" | grep -v '^$' | git mktree)
    break
  fi
done
commit=$(echo "$msg" | git commit-tree "$tree" -p "$old")
git update-ref "$ref" "$commit" "$old"
