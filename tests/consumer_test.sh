#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, builds tests/consumer (Core and SQLite
# only) against it, runs it, and checks that its link line names no library of the
# components it did not ask for.
#   tests/consumer_test.sh <build dir>
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/consumer" && pwd)
work=$(mktemp -d /tmp/retort-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Debug >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
version=$(sed -n 's/^project(Retort VERSION \([0-9.]*\).*/\1/p' "$source_dir/../../CMakeLists.txt")
answer=$("$work/build/consumer")
[[ $answer == "42 $version" ]] || { echo "the consumer printed '$answer', not '42 $version'"; exit 1; }

link=$(ninja -C "$work/build" -t commands consumer | tail -n 1)
for unwanted in libpq protobuf nlohmann retort_orm retort_postgresql retort_proto; do
  if grep -q "$unwanted" <<<"$link"; then
    echo "the consumer's link line names $unwanted:"
    echo "$link"
    exit 1
  fi
done
for wanted in retort_core retort_sqlite sqlite3; do
  grep -q "$wanted" <<<"$link" || { echo "the link line lacks $wanted:"; echo "$link"; exit 1; }
done
echo "consumer of Retort::core and Retort::sqlite: built, ran, links no other component"
