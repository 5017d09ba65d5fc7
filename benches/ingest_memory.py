#!/usr/bin/env python3
"""Peak memory of `trailhound ingest` on one large input, against a small input of the same run.

    cargo build --release         # or point TRAILHOUND_BIN at a binary
    python3 benches/ingest_memory.py [--dir /tmp/th-mem] [--sizes 100,300,1000] [--bomb 1000]

Generates records with `trailhound gen`, then writes on the fly (never committed) one JSON Lines
file per size in MB (each record copied with a distinct eventID until the size is reached) and a
gzip bomb: one record repeated to --bomb MB, gzipped to a few MB. Each input is ingested into a
fresh index by the release binary under GNU time; the table gives peak RSS (%M) and wall time, and
the peak as a ratio of the 10 MB baseline's: flat memory reads as a ratio near 1 whatever the size.
"""
import argparse
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("TRAILHOUND_BIN", os.path.join(ROOT, "target", "release", "trailhound"))
MB = 1024 * 1024


def base_lines(work):
    """Compact JSON lines of generated records (cached in `work`)."""
    archive = os.path.join(work, "gen")
    if not os.path.isdir(archive):
        subprocess.run([BINARY, "gen", "--out", archive, "--events", "50000", "--events-per-file", "1000"],
                       check=True, stdout=subprocess.DEVNULL)
    lines = []
    for path in sorted(glob.glob(os.path.join(archive, "**", "*.json.gz"), recursive=True)):
        with gzip.open(path, "rt") as f:
            for record in json.load(f).get("Records", []):  # digest files have none
                lines.append((record["eventID"], json.dumps(record, separators=(",", ":"))))
    return lines


def write_lines(path, lines, size):
    """JSON Lines of at least `size` bytes: every copy of a record gets its own eventID."""
    written, copy = 0, 0
    with open(path, "w") as out:
        while written < size:
            for event_id, line in lines:
                text = line.replace(f'"eventID":"{event_id}"', f'"eventID":"{event_id}-{copy}"', 1) + "\n"
                out.write(text)
                written += len(text)
                if written >= size:
                    break
            copy += 1
    return written


def write_bomb(path, line, size):
    chunk = ((line + "\n") * max(1, MB // (len(line) + 1))).encode()
    written = 0
    with gzip.open(path, "wb", compresslevel=6) as out:
        while written < size:
            out.write(chunk)
            written += len(chunk)
    return written


def ingest(work, path):
    """Ingests `path` into a fresh index; returns (peak RSS MB, wall seconds, summary line)."""
    index = os.path.join(work, "index")
    shutil.rmtree(index, ignore_errors=True)
    command = ["/usr/bin/time", "-f", "%M", BINARY, "--index", index, "ingest", "--quiet", path]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 3):
        sys.exit(f"ingest failed ({result.returncode}): {result.stderr[-2000:]}")
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    shutil.rmtree(index, ignore_errors=True)
    return peak_kb / 1024, wall, result.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/trailhound-ingest-memory")
    parser.add_argument("--sizes", default="100,300,1000", help="JSON Lines sizes in MB")
    parser.add_argument("--bomb", type=int, default=1000, help="decompressed size of the gzip bomb in MB")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"no binary at {BINARY}: run `cargo build --release` first")
    os.makedirs(args.dir, exist_ok=True)
    lines = base_lines(args.dir)
    inputs = [("baseline: 10 MB JSON Lines", 10, "lines")]
    inputs += [(f"{size} MB JSON Lines", size, "lines") for size in map(int, args.sizes.split(","))]
    inputs.append((f"gzip bomb: {args.bomb} MB of one record", args.bomb, "bomb"))

    rows = []
    for label, size, kind in inputs:
        path = os.path.join(args.dir, "input")
        if kind == "lines":
            write_lines(path, lines, size * MB)
        else:
            write_bomb(path, lines[0][1], size * MB)
        on_disk = os.path.getsize(path) / MB
        peak, wall, summary = ingest(args.dir, path)
        os.remove(path)
        rows.append((label, on_disk, peak, wall, summary))
        print(f"{label}: {on_disk:.0f} MB on disk, peak RSS {peak:.0f} MB, {wall:.1f} s ({summary})",
              file=sys.stderr)

    baseline = rows[0][2]
    print(f"{'input':<36} {'file MB':>8} {'peak RSS MB':>12} {'x baseline':>11} {'wall s':>8}")
    for label, on_disk, peak, wall, _ in rows:
        print(f"{label:<36} {on_disk:>8.0f} {peak:>12.0f} {peak / baseline:>11.2f} {wall:>8.1f}")


if __name__ == "__main__":
    main()
