#!/bin/bash
# Configures (once) and builds berth in build/.  BUILD_DIR overrides the directory.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${BUILD_DIR:-$top/build}
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$top" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
