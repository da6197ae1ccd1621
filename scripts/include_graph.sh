#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The include graph between the runtime's folders (one concept each): prints "from -> to" for
# every folder that includes another's headers, then fails if the graph has a cycle.
#   scripts/include_graph.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/../runtime"
edges=$(
  for dir in include/scales/* src/*; do
    [ -d "$dir" ] || continue
    from=$(basename "$dir")
    grep -rhoE '#include "(scales/)?[a-z_]+/' "$dir" 2>/dev/null |
      sed -E 's@#include "(scales/)?@@; s@/$@@' |
      while read -r to; do
        # Only the runtime's folders (src-relative includes such as "transport/tcp.h" count too).
        if [ "$to" != "$from" ] && [ -d "include/scales/$to" -o -d "src/$to" ]; then
          echo "$from $to"
        fi
      done
  done | sort -u
)
if [ "${1:-}" != "--quiet" ]; then
  echo "$edges" | awk '{ printf "%-12s -> %s\n", $1, $2 }'
fi
if ! echo "$edges" | tsort > /dev/null 2> /tmp/include_graph.$$; then
  cat /tmp/include_graph.$$ >&2
  rm -f /tmp/include_graph.$$
  echo "include graph between runtime folders has a cycle" >&2
  exit 1
fi
rm -f /tmp/include_graph.$$
echo "no cycle between runtime folders"
