#!/usr/bin/env python3
"""`trailhound verify` against `trailhound ingest` of the same archive, in the same run.

    cargo build --release         # or point TRAILHOUND_BIN at a binary
    python3 benches/verify_speed.py [--dir /tmp/th-verify] [--events 1000000]

Generates a signed archive with `trailhound gen` (a digest per account, region and hour), then
times, with the release binary: `verify` with the generated keys (every log file decompressed and
hashed, every digest's signature checked), and `ingest --no-rules` into a fresh index (every file
decompressed and parsed). Verifying reads each file once, as ingesting does, so its wall time
should be well under the ingest's; the table gives both, the ratio, CPU time and peak RSS (GNU
time's %M).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("TRAILHOUND_BIN", os.path.join(ROOT, "target", "release", "trailhound"))


def timed(command):
    """Runs `command` under GNU time; returns (seconds, CPU seconds, peak RSS in MB, exit code)."""
    started = time.monotonic()
    process = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kb %M cpu %U %S", *command],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    figures = process.stderr.rsplit("peak-rss-kb ", 1)[1].split()
    return seconds, float(figures[2]) + float(figures[3]), int(figures[0]) / 1024, process.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/th-verify")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    corpus = os.path.join(args.dir, f"corpus-{args.events}")
    if not os.path.isdir(corpus):
        subprocess.run([BINARY, "gen", "--out", corpus, "--events", str(args.events)], check=True)
    logs = os.path.join(corpus, "AWSLogs")
    index = os.path.join(args.dir, "index")
    shutil.rmtree(index, ignore_errors=True)
    verify = timed([BINARY, "--index", index, "verify", logs, "--public-keys",
                    os.path.join(corpus, "public-keys.json"), "--format", "jsonl"])
    if verify[3] != 0:
        sys.exit(f"verify found problems in an untouched archive (exit {verify[3]})")
    ingest = timed([BINARY, "--quiet", "--index", index, "ingest", "--no-rules", logs])
    print(f"{os.cpu_count()} cores, {args.events:,} events")
    print("| command | seconds | vs ingest | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, (seconds, cpu, peak, _) in [("ingest --no-rules", ingest), ("verify", verify)]:
        print(f"| {name} | {seconds:.1f} | {seconds / ingest[0]:.2f} | {cpu:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
