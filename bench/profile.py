#!/usr/bin/env python3
"""Where the time of a SQLite workload (`load` or `get`) goes, per row, for Retort and the
raw driver: runs retort-bench under `perf record --call-graph dwarf`, then files each
sample under the first frame (from the leaf up) that names a stage.

    bench/profile.py load|get [build/release/bench/retort-bench]

Prints each stage's share of the samples, Retort's and the raw driver's, as TSV;
bench/write_report.py turns the shares into time per row with the run's figures.
Needs perf (Debian's linux-perf) and the release preset built.
"""
import collections
import os
import subprocess
import sys
import tempfile

ROWS = 100000
REPEAT = 8

# (texts a frame's symbol may contain, stage); the first rule a frame meets decides.
# perf script names functions without their parameters.
FREEING = (("_int_free", "libc_free", "malloc_consolidate", "free_entity", "detail::release",
            "~Entity", "::destroy", "SessionCore::forget", "Pages::give"), "freeing the objects")
RULES = {
    "load": [
        (("sqlite3_step",), "SQLite: stepping to the next row"),
        (("sqlite3_column", "Statement::get_", "Statement::is_null"), "reading the columns"),
        (("IntIdentityTable", "filed_int_key", "erase_identity"), "identity map"),
        (("allocate_entity", "make_entity", "Pages::take"), "making the objects' entities"),
        FREEING,
        (("push_back", "emplace_back", "Refs::add", "Query<bench::User>::all"), "result vectors"),
        (("malloc", "operator new"), "allocating strings"),
        (("SessionCore::load", "ColumnAttribute", "Codec", "read_user", "raw_load"),
         "row loop: members, flags, events"),
        (("sqlite3_",), "SQLite: other"),
    ],
    "get": [
        (("sqlite3_step",), "SQLite: finding the row"),
        (("sqlite3_reset",), "SQLite: resetting the statement"),
        (("sqlite3_bind", "bind_int64"), "binding the key"),
        (("sqlite3_column", "Statement::get_", "Statement::is_null", "read_members", "read_rest",
          "read_row", "read_user"), "reading the columns"),
        (("IntIdentityTable", "filed_int_key", "erase_identity"), "identity map: filing, erasing"),
        (("allocate_entity", "make_entity", "Pages::take"), "making the objects' entities"),
        FREEING,
        (("malloc", "operator new"), "allocating strings"),
        (("Statement::start_first", "Statement::execute", "Statement::next", "Statement::finish",
          "Statement::reset", "PooledConnection"), "running the statement: Retort's layers"),
        (("SessionCore::get", "SessionCore::load", "Session::get", "raw_get"),
         "get itself: identity look-up, flags"),
        (("push_back", "emplace_back", "~vector"), "result vectors"),
        (("sqlite3_",), "SQLite: other"),
    ],
}
# The call each side's run makes under bench::run_sqlite.
SIDES = {
    "load": {"retort": ("Query<bench::User>::all", "Ref<bench::User>", "~Session",
                        "SessionCore::run_query", "SessionCore::load", "ModelBuilder<bench::User>",
                        "retort_load"),
             "raw": ("raw_load",)},
    "get": {"retort": ("retort_get",), "raw": ("raw_get",)},
}


def stage(rules, frames):
    for i, sym in enumerate(frames):
        for keys, name in rules:
            if any(k in sym for k in keys):
                # An allocation on behalf of a vector is the vector's.
                if name == "allocating strings" and any("vector" in f for f in frames[i + 1:i + 4]):
                    return "result vectors"
                return name
    return "other"


def side(sides, frames):
    """'retort' or 'raw' by the call the benchmark's loop made, and the frames below it."""
    for i, sym in enumerate(frames):
        if sym.split("(")[0] == "bench::run_sqlite" and "{lambda" not in sym:
            child = frames[i - 1] if i else ""
            for who in ("retort", "raw"):
                if any(k in child for k in sides[who]):
                    return who, frames[:i]
            # The raw load's result, freed where the run made it.
            if sides is SIDES["load"] and ("libc_free" in child or
                                           ("~vector" in child and "bench::User," in child)):
                return "raw", frames[:i]
            return None, None
    return None, None


def main():
    workload = sys.argv[1]
    bench = sys.argv[2] if len(sys.argv) > 2 else "build/release/bench/retort-bench"
    rules, sides = RULES[workload], SIDES[workload]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        subprocess.run(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", "2000", "-o", data,
                        bench, "--databases", "sqlite", "--only", workload, "--repeat", str(REPEAT),
                        "--rows", str(ROWS)], check=True, stdout=subprocess.DEVNULL)
        script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], check=True,
                                capture_output=True, text=True).stdout
    totals = collections.Counter()
    stages = collections.defaultdict(collections.Counter)
    for sample in script.split("\n\n"):
        frames = [line.strip().split(None, 1)[1] for line in sample.strip().split("\n")
                  if len(line.strip().split(None, 1)) == 2]
        who, below = side(sides, frames)
        if who:
            totals[who] += 1
            stages[who][stage(rules, below)] += 1
    for name in list(dict.fromkeys(n for _, n in rules)) + ["other"]:
        shares = [stages[w][name] / totals[w] if totals[w] else 0 for w in ("retort", "raw")]
        if any(shares):
            print(f"{name}\t{shares[0]:.4f}\t{shares[1]:.4f}")


if __name__ == "__main__":
    main()
