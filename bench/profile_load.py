#!/usr/bin/env python3
"""Where the time of the SQLite `load` workload goes, per row, for Retort and the raw
driver: runs retort-bench under `perf record --call-graph dwarf`, then files each sample
under the first frame (from the leaf up) that names a stage.

    bench/profile_load.py [build/release/bench/retort-bench]

Prints each stage's share of the samples, Retort's and the raw driver's, as TSV;
bench/write_report.py turns the shares into time per row with the run's load figures.
Needs perf (Debian's linux-perf) and the release preset built.
"""
import collections
import os
import subprocess
import sys
import tempfile

ROWS = 100000
REPEAT = 8

# (text a frame's symbol contains, stage); the first rule a frame meets decides.
RULES = [
    (("sqlite3_step",), "SQLite: stepping to the next row"),
    (("sqlite3_column", "Statement::get_", "Statement::is_null"), "reading the columns"),
    (("IntIdentityTable", "filed_int_key"), "identity map"),
    (("allocate_entity", "make_entity", "Pages::take"), "making the objects' entities"),
    (("_int_free", "libc_free", "malloc_consolidate", "free_entity", "release(", "~Entity",
      "destroy(", "Pages::give"), "freeing the objects"),
    (("push_back", "emplace_back", "Refs::add", "Query<bench::User>::all"), "result vectors"),
    (("malloc", "operator new"), "allocating strings"),
    (("SessionCore::load", "ColumnAttribute", "Codec", "read_user", "raw_load"),
     "row loop: members, flags, events"),
    (("sqlite3_",), "SQLite: other"),
]


def stage(frames):
    for i, sym in enumerate(frames):
        for keys, name in RULES:
            if any(k in sym for k in keys):
                # An allocation on behalf of a vector is the vector's.
                if name == "allocating strings" and any("vector" in f for f in frames[i + 1:i + 4]):
                    return "result vectors"
                return name
    return "other"


def side(frames):
    """'retort' or 'raw' by the call the benchmark's loop made, and the frames below it."""
    for i, sym in enumerate(frames):
        if sym.split("(")[0] == "bench::run_sqlite" and "{lambda" not in sym:
            child = frames[i - 1] if i else ""
            if any(k in child for k in ("Query<bench::User>::all", "Ref<bench::User>", "~Session",
                                        "SessionCore::run_query", "SessionCore::load",
                                        "ModelBuilder<bench::User>")):
                return "retort", frames[:i]
            if "raw_load" in child or "libc_free" in child or ("~vector" in child and "bench::User," in child):
                return "raw", frames[:i]
            return None, None
    return None, None


def main():
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/release/bench/retort-bench"
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        subprocess.run(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", "2000", "-o", data,
                        bench, "--databases", "sqlite", "--only", "load", "--repeat", str(REPEAT),
                        "--rows", str(ROWS)], check=True, stdout=subprocess.DEVNULL)
        script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], check=True,
                                capture_output=True, text=True).stdout
    totals = collections.Counter()
    stages = collections.defaultdict(collections.Counter)
    for sample in script.split("\n\n"):
        frames = [line.strip().split(None, 1)[1] for line in sample.strip().split("\n")
                  if len(line.strip().split(None, 1)) == 2]
        who, below = side(frames)
        if who:
            totals[who] += 1
            stages[who][stage(below)] += 1
    for name in list(dict.fromkeys(n for _, n in RULES)) + ["other"]:
        shares = [stages[w][name] / totals[w] if totals[w] else 0 for w in ("retort", "raw")]
        if any(shares):
            print(f"{name}\t{shares[0]:.4f}\t{shares[1]:.4f}")


if __name__ == "__main__":
    main()
