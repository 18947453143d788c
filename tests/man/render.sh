#!/bin/bash
# Renders every built manual page under a build directory with man(1) and
# fails on any warning groff or man prints (bad macros, unbreakable lines,
# unknown escapes), so a page that looks broken to a reader fails the build.
#
# Usage: tests/man/render.sh BUILD_DIR
set -u

build=${1:?usage: render.sh BUILD_DIR}
if [ ! -d "$build" ]; then
  echo "render.sh: no build directory \"$build\"" >&2
  exit 2
fi
if ! command -v man >/dev/null; then
  echo "render.sh: man(1) not found" >&2
  exit 2
fi

pages=()
while IFS= read -r -d '' f; do pages+=("$f"); done \
  < <(find "$build" -name '*.8' -type f -print0 | sort -z)
if [ ${#pages[@]} -eq 0 ]; then
  echo "render.sh: no .8 files under \"$build\" (build the man target first)" >&2
  exit 2
fi

passed=0
failed=0
for page in "${pages[@]}"; do
  # --warnings asks groff for its warnings (-ww); a clean page prints none.
  err=$(MANWIDTH=80 MAN_KEEP_FORMATTING= LC_ALL=C.UTF-8 \
        man --warnings -l "$page" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$err" ]; then
    echo "FAIL $page (exit $rc)"
    [ -n "$err" ] && printf '%s\n' "$err" | sed 's/^/    /'
    failed=$((failed + 1))
  else
    echo "ok   $page"
    passed=$((passed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
