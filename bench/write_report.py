#!/usr/bin/env python3
"""Turns the outputs of retort-bench (--tsv), the SQLAlchemy anchor and the memory and
compile measurements into the table of docs/benchmarks.md.

    write_report.py RESULTS_DIR COMMAND > docs/benchmarks.md
"""
import datetime
import os
import platform
import subprocess
import sys


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    debian = ""
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as f:
            debian = f", Debian {f.read().strip()}"
    compiler = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return f"{cpu}, {cores} cores{memory}{debian}, {platform.release()}; {compiler}"


def stage_table(profile, retort_s, raw_s, count, unit):
    """A profile's shares (bench/profile.py) spread over each side's time per `unit`."""
    out = [f"| stage | Retort ns per {unit} | raw driver ns per {unit} |", "|---|---:|---:|"]
    for stage, retort_share, raw_share in profile:
        out.append(f"| {stage} | {float(retort_share) * retort_s / count * 1e9:.0f} | "
                   f"{float(raw_share) * raw_s / count * 1e9:.0f} |")
    out.append(f"| all | {retort_s / count * 1e9:.0f} | {raw_s / count * 1e9:.0f} |")
    out.append("")
    return out


def main():
    results_dir, command = sys.argv[1], sys.argv[2]
    retort = read_tsv(os.path.join(results_dir, "retort.tsv"))
    anchor = {(r[0], r[1]): float(r[3]) for r in read_tsv(os.path.join(results_dir, "sqlalchemy.tsv"))}
    memory = read_tsv(os.path.join(results_dir, "memory.tsv"))
    compile_rows = read_tsv(os.path.join(results_dir, "compile.tsv"))
    latency = [r for r in read_tsv(os.path.join(results_dir, "proto.tsv")) if r[0] == "latency"]
    scaling = read_tsv(os.path.join(results_dir, "scaling.tsv"))
    profile = read_tsv(os.path.join(results_dir, "profile.tsv"))
    profile_get = read_tsv(os.path.join(results_dir, "profile-get.tsv"))

    out = []
    out.append("# Benchmarks\n")
    out.append("Retort beside the raw drivers (sqlite3 C API, libpq) doing the same work with the same")
    out.append("structs, and beside Python SQLAlchemy 1.4 (Debian's `python3-sqlalchemy`). Ratios compare")
    out.append("throughput: above 1 means Retort is faster. Each Retort/driver pair is measured in the")
    out.append("same process run, best of the repetitions; the PostgreSQL server is the throwaway one")
    out.append("`scripts/pg` starts on loopback (with fsync off, as for tests).\n")
    out.append(f"- Date: {datetime.date.today().isoformat()}")
    out.append(f"- Machine: {machine()}")
    out.append(f"- Command: `{command}`\n")
    out.append("| workload | database | rows | Retort s | baseline s | Retort / baseline | baseline | SOCI s | Retort / SOCI | SQLAlchemy s | speed-up over SQLAlchemy |")
    out.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in retort:
        workload, database, rows, retort_s, base_s, ratio, baseline = r[:7]
        soci = float(r[7]) if len(r) > 7 else 0.0
        soci_cells = f"{soci:.4f} | {soci / float(retort_s):.2f}" if soci > 0 else " | "
        sa = anchor.get((workload, database))
        sa_cell = f"{sa:.3f}" if sa is not None else ""
        speedup = f"{sa / float(retort_s):.0f}×" if sa else ""
        out.append(f"| {workload} | {database} | {rows} | {float(retort_s):.4f} | {float(base_s):.4f} | "
                   f"{float(ratio):.3f} | {baseline} | {soci_cells} | {sa_cell} | {speedup} |")
    out.append("")
    out.append("Workloads: **insert** N objects and commit; **insert uuid** the same rows under keys the")
    out.append("client made (`rt::Uuid`), so that nothing comes back (Retort's flush goes through COPY;")
    out.append("the baseline is the better of libpq COPY in text and in binary form); **load** N")
    out.append("objects into a session; **get** by")
    out.append("primary key N/10 times in a fresh session; **update** one column of N loaded objects and")
    out.append("commit; **delete** N loaded objects and commit; **plain** N rows as plain structs without a")
    out.append("session (SQLAlchemy: Core); **selectin** N/10 parents with ten children each through")
    out.append("`selectin` loading (the baseline: the parents, then the children by parent key in IN lists")
    out.append("of 1,000 with one prepared statement, stitched into the parents by hand); **flush**")
    out.append("(PostgreSQL) one unit of work over two tables: N/10 loaded parents renamed, and of their")
    out.append("ten children each, nine numbered anew and the last deleted, then one commit; rows counts")
    out.append("parents and children (Retort's flush sends the UPDATEs and DELETEs of both tables without")
    out.append("waiting for each answer; the baseline is the better of libpq pipeline mode with a")
    out.append("prepared statement per row and one statement per kind of change over arrays of all its")
    out.append("rows, in one transaction); **stream** a large table in chunks (`yield_per`).")
    out.append("The raw baselines use prepared statements in one transaction; for PostgreSQL inserts,")
    out.append("the better of pipeline mode and multi-row VALUES; for PostgreSQL updates and deletes,")
    out.append("the better of pipeline mode and one statement over arrays of all the rows (`UPDATE ...")
    out.append("FROM unnest($1, $2)`, `DELETE ... WHERE id = ANY($1)`). On SQLite every timed run starts")
    out.append("from the same file state (the write-ahead log checkpointed and emptied), and the read")
    out.append("workloads (load, get, plain) take three turns per repetition, the raw run and the")
    out.append("Retort run in turn; on PostgreSQL the table is vacuumed after it is filled and each")
    out.append("Retort read runs right after its raw run.")
    out.append("**SOCI** (Debian's SOCI 4, `bench/soci_peer.cpp`) does the same work as its")
    out.append("documentation recommends: prepared statements with `use`/`into`, vectors for bulk")
    out.append("inserts, updates and deletes, and bulk fetches of 1,000 rows into vectors for load and")
    out.append("plain (SOCI has no session, so both are the same run); Retort / SOCI above 1 means Retort")
    out.append("is faster. SOCI has no equivalent of selectin, stream or the protobuf workloads.\n")
    out.append("**to_proto** maps N users with three auth tokens each to `social_platform.User` messages")
    out.append("through the example's mappings; **from_proto** maps them back to new objects; the")
    out.append("baseline is hand-written field-by-field code making the same messages (JSON metadata")
    out.append("through nlohmann::json in both). **to_proto nullable** / **from_proto nullable** do the")
    out.append("same for N contacts with eight nullable columns (`std::optional` members, proto3 `optional`")
    out.append("fields and a Timestamp), about two thirds of them set. **collection** maps one message")
    out.append("holding that many tokens back to a user (`rt::Many` built item by item). These mappings")
    out.append("run in memory, each workload in its own process with no database server running, best")
    out.append("of 20 repetitions.")
    out.append("**getuser** is `UserService.GetUser` called by 8 client")
    out.append("threads with blocking calls for a fixed time, against the example server and then against")
    out.append("a hand-written server on the same database (raw sqlite3 with a connection and prepared")
    out.append("statements per server thread; raw libpq with a pool of connections with prepared")
    out.append("statements; protobuf setters); rows is the number of calls the example served, and the")
    out.append("baseline's seconds are the time it needed for as many calls at its measured rate.\n")
    collection = {int(r[2]): float(r[3]) / int(r[2]) for r in retort if r[0] == "collection"}
    hand = {int(r[2]): float(r[4]) / int(r[2]) for r in retort if r[0] == "collection"}
    if len(collection) >= 2:
        sizes = sorted(collection)
        per = ", ".join(f"{collection[n] * 1e9:.0f} ns at {n:,}" for n in sizes)
        growth = collection[sizes[-1]] / collection[sizes[0]]
        hand_growth = hand[sizes[-1]] / hand[sizes[0]]
        out.append(f"Time per collection item: {per} "
                   f"({growth:.2f}× from the smallest to the largest; the hand-written code's "
                   f"{hand_growth:.2f}×).\n")
    if latency:
        out.append("GetUser latency over the loopback (client, server and database on the same machine):\n")
        out.append("| server | database | p50 µs | p99 µs |")
        out.append("|---|---|---:|---:|")
        names = {("retort", "sqlite"): "example (Retort)", ("raw", "sqlite"): "hand-written (raw sqlite3)",
                 ("retort", "postgresql"): "example (Retort)", ("raw", "postgresql"): "hand-written (raw libpq)"}
        for _, who, database, p50, p99 in latency:
            out.append(f"| {names.get((who, database), who)} | {database} | {p50} | {p99} |")
        out.append("")
    load = [r for r in retort if r[0] == "load" and r[1] == "sqlite"]
    if profile and load:
        rows, retort_s, raw_s = int(load[0][2]), float(load[0][3]), float(load[0][4])
        out.append("## Where the time goes\n")
        out.append("The SQLite `load` workload under `perf record --call-graph dwarf`")
        out.append("(`bench/profile.py load`): each sample is filed under the first frame, from the leaf")
        out.append("up, that names a stage, and each side's share of its samples is spread over its")
        out.append("time per row in the table above.\n")
        out += stage_table(profile, retort_s, raw_s, rows, "row")
        out.append("Both read the same rows through the same SQLite calls (Retort's common column")
        out.append("types in one driver call per row); what Retort adds is the session's bookkeeping:")
        out.append("an entity per object (allocated in blocks, freed with the result), the identity")
        out.append("map, and a Ref per object in the result.\n")
    get = [r for r in retort if r[0] == "get" and r[1] == "sqlite"]
    if profile_get and get:
        gets, retort_s, raw_s = int(get[0][2]), float(get[0][3]), float(get[0][4])
        out.append("The SQLite `get` workload the same way (`bench/profile.py get`), per lookup:\n")
        out += stage_table(profile_get, retort_s, raw_s, gets, "get")
        out.append("A lookup is one row, so what costs little per row in `load` counts here: the")
        out.append("identity map is looked in before the query and its slot is rarely in cache (keys come")
        out.append("in any order, and the database's pages pass through the cache in between); the object")
        out.append("gets an entity and a slot in the map, and both are undone when its last Ref goes. The")
        out.append("statement runs a few calls below `get()`, and most samples in Retort's layers fall on")
        out.append("the instruction just after a call into the driver returns: SQLite has read the page")
        out.append("from the kernel, and each call on the way back costs far more than its instructions.")
        out.append("The functions every row and `get()` run are marked `[[gnu::hot]]`, which GCC places")
        out.append("together, in three code pages where they took about ten.\n")
    if scaling:
        out.append("## Scaling\n")
        out.append("The SQLite workloads at three sizes, each size its own run (`get` does N/10 lookups):")
        out.append("Retort's time per row, and how much the largest size's exceeds the smallest's, beside")
        out.append("the raw driver's.\n")
        sizes = sorted({int(r[2]) for r in scaling if r[0] != "get"})
        workloads = list(dict.fromkeys(r[0] for r in scaling))
        header = " | ".join(f"µs per row at {n:,}" for n in sizes)
        out.append(f"| workload | {header} | largest / smallest | raw driver's |")
        out.append("|---|" + "---:|" * (len(sizes) + 2))
        for w in workloads:
            by_size = {}
            for r in scaling:
                if r[0] == w:
                    n = int(r[2]) * (10 if w == "get" else 1)
                    by_size[n] = (float(r[3]) / int(r[2]), float(r[4]) / int(r[2]))
            if not all(n in by_size for n in sizes):
                continue
            cells = " | ".join(f"{by_size[n][0] * 1e6:.2f}" for n in sizes)
            growth = by_size[sizes[-1]][0] / by_size[sizes[0]][0]
            raw_growth = by_size[sizes[-1]][1] / by_size[sizes[0]][1]
            out.append(f"| {w} | {cells} | {growth:.2f}× | {raw_growth:.2f}× |")
        out.append("")
        out.append("What Retort adds to each row over the raw driver in the same runs (µs; below zero,")
        out.append("Retort is the faster): the part of the time per row that is Retort's own.\n")
        header = " | ".join(f"at {n:,}" for n in sizes)
        out.append(f"| workload | {header} |")
        out.append("|---|" + "---:|" * len(sizes))
        for w in workloads:
            by_size = {}
            for r in scaling:
                if r[0] == w:
                    n = int(r[2]) * (10 if w == "get" else 1)
                    by_size[n] = (float(r[3]) - float(r[4])) / int(r[2])
            if all(n in by_size for n in sizes):
                out.append(f"| {w} | " + " | ".join(f"{by_size[n] * 1e6:.2f}" for n in sizes) + " |")
        out.append("")
        out.append("At a million rows memory new to the process costs a page fault per 4 KiB page, some")
        out.append("microseconds each on this virtual machine: the raw driver's `std::vector` grows into")
        out.append("such memory (too large for malloc to keep between runs), which is most of its growth")
        out.append("for load and plain. Retort's entities, identity table and result vectors grow into")
        out.append("memory advised as huge pages, a fault per 2 MiB. `get` grows with SQLite's own")
        out.append("lookups: past its page cache (2 MiB by default) each one reads its pages from the file.")
        out.append("")
    if memory:
        out.append("## Memory\n")
        out.append("Peak resident memory added by loading rows from a SQLite file, each in its own process:\n")
        out.append("| what | rows | MiB |")
        out.append("|---|---:|---:|")
        labels = {"session": "objects tracked by a Session", "vector": "the same rows in a `std::vector<User>`",
                  "stream": "streamed with `yield_per(1000)`"}
        values = {}
        for _, mode, rows, kb in memory:
            values[(mode, rows)] = int(kb)
            out.append(f"| {labels.get(mode, mode)} | {rows} | {int(kb) / 1024:.1f} |")
        sessions = [k for k in values if k[0] == "session"]
        for mode, rows in sessions:
            if ("vector", rows) in values and values[("vector", rows)]:
                out.append(f"\nSession / vector at {rows} rows: "
                           f"{values[(mode, rows)] / values[('vector', rows)]:.2f}×.")
        out.append("")
    if compile_rows:
        out.append("## Compile cost\n")
        out.append("| file | seconds |")
        out.append("|---|---:|")
        for name, secs in compile_rows:
            out.append(f"| {name} | {float(secs):.1f} |")
        out.append("\n`g++ -std=c++20 -O2 -c`, one file at a time, the best of three runs. "
                   "`bench/compile_cost.cpp` is a model file: three models and two queries over "
                   "`include/retort/orm.hpp`; its target is under 3.5 s. `bench/compile_plain.cpp` "
                   "is the same structs and queries over plain members and vectors. The "
                   "precompiled row builds `retort/orm.hpp` once, as "
                   "`target_precompile_headers(app PRIVATE <retort/orm.hpp>)` does, and "
                   "includes it first.")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
