#!/usr/bin/env python3
"""Ingest and query benchmark for trailhound against public baselines, measured in the same run.

    cargo build --release         # or point TRAILHOUND_BIN at a binary
    pip install duckdb            # the DuckDB baseline (skipped with a note when missing)
    python3 benches/ingest_baselines.py --events 1000000 --runs 3
    python3 benches/ingest_baselines.py --before /tmp/trailhound-old   # and an earlier build, same run
    python3 benches/distinct_values_corpus.py --out /tmp/distinct --events 1000000
    python3 benches/ingest_baselines.py --corpus /tmp/distinct --dir /tmp/distinct-bench   # another shape

Generates a deterministic corpus with `trailhound gen` (cached in --dir), then measures, interleaving
the contenders run by run so that machine drift hits them alike:
  zcat     decompressing every log file to /dev/null (one zcat over all files, via xargs)
  duckdb   DuckDB's persisted load: read_json over the files, Records unnested, into a .duckdb file
  ingest   `trailhound ingest` into a fresh index, with the full rule pack and with --no-rules
  first    the time from starting `trailhound ingest` until `trailhound search --count '*'` finds events
           (polled every 0.1 s, in a run of its own so the polling does not slow the timed ones)
With --before BIN an earlier build's ingest, index size and first-searchable time are measured in the
same runs, so a change reads as before/after on one machine state. Then, on the warm index (and on
the earlier build's, with --before), whole-command latencies: process start (`--version`), a selective
search (one principal), counts of a broad query, of a word in any field, of a user-agent word and of a
wildcard, `top sourceIPAddress`, and `show`. Figures are medians, with ratios against the baselines of the same run. Peak RSS comes from GNU time (%M).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("TRAILHOUND_BIN", os.path.join(ROOT, "target", "release", "trailhound"))


def timed(command, shell=False):
    """Runs `command`; returns (wall seconds, peak RSS in MB, stdout, user CPU seconds)."""
    wrapped = ["/usr/bin/time", "-f", "%U %M"] + (["sh", "-c", command] if shell else command)
    start = time.perf_counter()
    result = subprocess.run(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 3):
        sys.exit(f"command failed ({result.returncode}): {command}\n{result.stderr[-2000:]}")
    user, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return wall, int(peak_kb) / 1024, result.stdout, float(user)


def first_searchable(binary, index, corpus):
    """Seconds from starting an ingest until a search finds events (None if it never did)."""
    shutil.rmtree(index, ignore_errors=True)
    start = time.perf_counter()
    ingest = subprocess.Popen([binary, "--index", index, "--quiet", "ingest", os.path.join(corpus, "AWSLogs")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = None
    while ingest.poll() is None and found is None:
        count = subprocess.run([binary, "--index", index, "--quiet", "search", "--count", "*"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        if count.isdigit() and int(count) > 0:
            found = time.perf_counter() - start
        else:
            time.sleep(0.1)
    ingest.wait()
    return found


def du(path):
    return int(subprocess.run(["du", "-sb", path], stdout=subprocess.PIPE, text=True).stdout.split()[0])


def generate(args):
    corpus = os.path.join(args.dir, "corpus")
    marker = os.path.join(corpus, "generated.json")
    wanted = {"events": args.events, "seed": args.seed}
    if os.path.exists(marker) and json.load(open(marker)) == wanted:
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    print(f"generating {args.events} events into {corpus} ...", flush=True)
    subprocess.run([BINARY, "gen", "--out", corpus, "--events", str(args.events), "--seed", str(args.seed)], check=True)
    json.dump(wanted, open(marker, "w"))
    return corpus


def log_files(corpus):
    files = []
    for folder, _, names in os.walk(os.path.join(corpus, "AWSLogs")):
        if "CloudTrail-Digest" in folder:
            continue
        files.extend(os.path.join(folder, n) for n in names if n.endswith(".json.gz"))
    return sorted(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query-runs", type=int, default=15)
    parser.add_argument("--dir", default="/tmp/trailhound-bench")
    parser.add_argument("--corpus", help="an archive to measure instead of a generated one (a folder holding AWSLogs/), "
                        "e.g. one made by benches/distinct_values_corpus.py; --events is then read from the index")
    parser.add_argument("--queries-only", action="store_true", help="reuse the index of an earlier run; time the queries only")
    parser.add_argument("--before", help="an earlier trailhound build to measure in the same runs (ingest, index size, first searchable)")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit("build first: cargo build --release")
    os.makedirs(args.dir, exist_ok=True)
    corpus = args.corpus or generate(args)
    files = log_files(corpus)
    list_file = os.path.join(args.dir, "files.txt")
    with open(list_file, "w") as out:
        out.write("\0".join(files))
    gz_bytes = sum(os.path.getsize(f) for f in files)
    print(f"corpus: {len(files)} log files, {gz_bytes / 1e6:.0f} MB gzipped", flush=True)

    try:
        import duckdb  # noqa: F401
        have_duckdb = True
    except ImportError:
        have_duckdb = False
        print("note: duckdb is not installed (pip install duckdb); its baseline is skipped")

    index = os.path.join(args.dir, "index")
    duck_file = os.path.join(args.dir, "load.duckdb")
    duck_script = (
        "import duckdb,sys; con=duckdb.connect(sys.argv[1]); "
        "files=open(sys.argv[2]).read().split(chr(0)); "
        "con.execute(\"SET preserve_insertion_order=false\"); "
        "con.execute(\"CREATE TABLE events AS SELECT unnest(Records) AS record FROM read_json(?, columns={'Records': 'JSON[]'}, maximum_object_size=268435456)\", [files]); "
        "print(con.execute('SELECT count(*) FROM events').fetchone()[0])"
    )
    results = {"zcat": [], "duckdb": [], "ingest": [], "ingest_no_rules": []}
    firsts = {"after": []}
    sizes = {}
    before_index = os.path.join(args.dir, "index-before")
    if args.before:
        results.update({"before_ingest": [], "before_no_rules": []})
        firsts["before"] = []
    for run in range(0 if args.queries_only else args.runs):
        if args.before:
            shutil.rmtree(before_index, ignore_errors=True)
            results["before_no_rules"].append(timed([args.before, "--index", before_index, "--quiet", "ingest", "--no-rules", os.path.join(corpus, "AWSLogs")]))
            shutil.rmtree(before_index, ignore_errors=True)
            results["before_ingest"].append(timed([args.before, "--index", before_index, "--quiet", "ingest", os.path.join(corpus, "AWSLogs")]))
            sizes["before"] = du(before_index)
            firsts["before"].append(first_searchable(args.before, before_index, corpus))
        results["zcat"].append(timed(f"xargs -0 zcat < {list_file} > /dev/null", shell=True))
        if have_duckdb:
            if os.path.exists(duck_file):
                os.remove(duck_file)
            results["duckdb"].append(timed([sys.executable, "-c", duck_script, duck_file, list_file]))
        shutil.rmtree(index, ignore_errors=True)
        results["ingest_no_rules"].append(timed([BINARY, "--index", index, "--quiet", "ingest", "--no-rules", os.path.join(corpus, "AWSLogs")]))
        shutil.rmtree(index, ignore_errors=True)
        results["ingest"].append(timed([BINARY, "--index", index, "--quiet", "ingest", os.path.join(corpus, "AWSLogs")]))
        sizes["after"] = du(index)
        firsts["after"].append(first_searchable(BINARY, os.path.join(args.dir, "index-first"), corpus))
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1][0]:.1f}s" for k, v in results.items() if v), flush=True)

    def median(name, column=0):
        return statistics.median(r[column] for r in results[name])

    if args.corpus:
        counted = subprocess.run([BINARY, "--index", index, "--quiet", "search", "--count", "*"], stdout=subprocess.PIPE, text=True).stdout.strip()
        args.events = int(counted) if counted.isdigit() else args.events
    if not args.queries_only:
        report_ingest(args, results, median, index, gz_bytes)
        report_before_after(args, results, median, sizes, firsts, gz_bytes)
    report_queries(args, index)


def report_ingest(args, results, median, index, gz_bytes):
    ingest_s = median("ingest")
    zcat_s = median("zcat")
    print("\n| measure | median | ratio |\n|---|---|---|")
    print(f"| zcat of all files | {zcat_s:.2f} s | ingest / zcat = {ingest_s / zcat_s:.2f} |")
    if results["duckdb"]:
        duck_s = median("duckdb")
        print(f"| DuckDB persisted load | {duck_s:.2f} s (peak {median('duckdb', 1):.0f} MB) | DuckDB / ingest = {duck_s / ingest_s:.2f} |")
    print(f"| trailhound ingest (full rule pack) | {ingest_s:.2f} s (peak {median('ingest', 1):.0f} MB) | {args.events / ingest_s:,.0f} events/s |")
    bare_s = median("ingest_no_rules")
    print(f"| trailhound ingest --no-rules | {bare_s:.2f} s | detection adds {100 * (ingest_s / bare_s - 1):+.0f}% |")
    index_bytes = du(index)
    print(f"| index size | {index_bytes / 1e6:.0f} MB | index / gzipped archive = {index_bytes / gz_bytes:.2f} |")


def report_before_after(args, results, median, sizes, firsts, gz_bytes):
    zcat_s = median("zcat")
    duck_s = median("duckdb") if results["duckdb"] else None
    rows = [("after", "ingest", "ingest_no_rules")]
    if args.before:
        rows.insert(0, ("before", "before_ingest", "before_no_rules"))
    print("\n| build | ingest | / zcat | DuckDB / ingest | --no-rules | user CPU | peak RSS | index / gz | first searchable |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, full, bare in rows:
        ingest_s = median(full)
        user = statistics.median(r[3] for r in results[full])
        seen = [f for f in firsts[label] if f is not None]
        first = f"{statistics.median(seen):.2f} s" if seen else "never"
        duck = f"{duck_s / ingest_s:.2f}" if duck_s else "-"
        print(f"| {label} | {ingest_s:.2f} s | {ingest_s / zcat_s:.2f} | {duck} | {median(bare):.2f} s | {user:.1f} s "
              f"| {median(full, 1):.0f} MB | {sizes[label] / gz_bytes:.2f} | {first} |")


def report_queries(args, index):
    """Whole-command latencies on the warm index, and on the earlier build's index with --before."""
    top_users = subprocess.run([BINARY, "--index", index, "top", "user", "--limit", "40"], stdout=subprocess.PIPE, text=True).stdout.splitlines()
    principal = top_users[len(top_users) // 2].split(None, 1)[1]
    some_id = json.loads(subprocess.run([BINARY, "--index", index, "search", "--limit", "1", "--format", "jsonl", "eventName:AssumeRole"],
                                        stdout=subprocess.PIPE, text=True).stdout)["eventID"]
    queries = {
        "process start (--version)": ["--version"],
        f"selective search (user:\"{principal}\", 50 rows)": ["search", "--limit", "50", f'user:"{principal}"'],
        "broad --count (readOnly:true)": ["search", "--count", "readOnly:true"],
        "--count of a word in any field (AccessDenied)": ["search", "--count", "AccessDenied"],
        "--count of a user-agent word (userAgent:boto3)": ["search", "--count", "userAgent:boto3"],
        "--count of a wildcard in any field (describe*)": ["search", "--count", "describe*"],
        "top sourceIPAddress": ["top", "sourceIPAddress"],
        "show EVENT_ID": ["show", some_id],
    }
    builds = [("after", BINARY, index)]
    before_index = os.path.join(args.dir, "index-before")
    if args.before and os.path.exists(before_index):
        builds.insert(0, ("before", args.before, before_index))
    print("\n| warm query (whole command, median of %d) | %s |" % (args.query_runs, " | ".join(label for label, _, _ in builds)))
    print("|---|" + "---|" * len(builds))
    for name, command in queries.items():
        cells = []
        for _, binary, build_index in builds:
            full = [binary] + (command if command == ["--version"] else ["--index", build_index] + command)
            walls = []
            for _ in range(args.query_runs):
                wall, _, out, _ = timed(full)
                walls.append(wall * 1000)
            counted = f" ({out.strip()})" if "--count" in command else ""
            cells.append(f"{statistics.median(walls):.1f} ms{counted}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
