#!/usr/bin/env bash
# Dependencies point one way: core <- sql (schema, sql) <- orm <- proto, sql <- migrate,
# orm <- service, and service + migrate <- testing;
# the dialects use core and sql only. Fails on an #include of a layer above, or a library linking one.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0

# check <folders> -- <layers they must not include>
check() {
  local dirs=() forbidden=()
  while [[ $1 != -- ]]; do dirs+=("$1"); shift; done
  shift
  forbidden=("$@")
  local pattern
  pattern=$(IFS='|'; echo "${forbidden[*]}")
  while IFS= read -r hit; do
    echo "upward include: $hit"
    failed=1
  done < <(grep -rnE "#include [\"<]retort/($pattern)([/.]|\")" "${dirs[@]}" 2>/dev/null)
}

check src/core include/retort/core include/retort/core.hpp -- schema sql orm proto migrate service \
  testing schema.hpp sql.hpp orm.hpp service.hpp
check src/schema src/sql include/retort/schema include/retort/sql include/retort/schema.hpp \
  include/retort/sql.hpp -- orm proto migrate service testing orm.hpp service.hpp
check src/orm include/retort/orm include/retort/orm.hpp -- proto migrate service testing service.hpp
check src/migrate include/retort/migrate -- orm proto service testing orm.hpp service.hpp
check src/service include/retort/service include/retort/service.hpp -- proto migrate testing
check src/proto include/retort/proto -- service testing service.hpp
check src/dialects -- orm proto migrate service testing orm.hpp service.hpp

# Link lines in src/CMakeLists.txt: target_link_libraries(<lib> ... <libs>)
links() {
  awk -v lib="$1" '$0 ~ "^target_link_libraries\\(" lib " " {on = 1} on {print} on && /\)/ {on = 0}' \
    src/CMakeLists.txt
}
up="retort_service retort_testing"
for pair in "retort_core:retort_sql retort_orm retort_proto retort_migrate retort_sqlite retort_postgresql $up" \
            "retort_sql:retort_orm retort_proto retort_migrate retort_sqlite retort_postgresql $up" \
            "retort_orm:retort_proto retort_migrate retort_sqlite retort_postgresql $up" \
            "retort_migrate:retort_orm retort_proto retort_sqlite retort_postgresql $up" \
            "retort_service:retort_proto retort_migrate retort_sqlite retort_postgresql retort_testing" \
            "retort_sqlite:retort_orm retort_proto retort_migrate $up" \
            "retort_postgresql:retort_orm retort_proto retort_migrate $up"; do
  lib=${pair%%:*}
  for above in ${pair#*:}; do
    if links "$lib" | grep -qw "$above"; then
      echo "upward link: $lib links $above"
      failed=1
    fi
  done
done

((failed == 0)) && echo "layers point one way"
exit $failed
