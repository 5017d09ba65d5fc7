#!/usr/bin/env python3
"""`trailhound ingest s3://…` against a local-disk ingest of the same corpus, in the same run.

    cargo build --release         # or point TRAILHOUND_BIN at a binary
    pip install 'moto[server]'    # the local S3 server (boto3 comes with it)
    python3 benches/s3_ingest.py [--dir /tmp/th-s3] [--sizes 100000,1000000] [--per-file 30,300]

For each size and file size: generates an organisation trail with `trailhound gen` (3 accounts,
30 days, digests and Insights; 30 events per file is the adverse many-small-objects shape, 300 a
busy account's), uploads it to moto's S3 server on a free local port, then ingests it twice into
fresh indexes with the release binary: from the local folder, and from the bucket, each with
--no-verify and without (the integrity check after the ingest: a second read of the local files,
a second GET of the bucket's day folders it fetched; ratios are against the local ingest with
--no-verify). The table gives
wall time, events/s, the bucket's rate as a ratio of the local one (target >= 0.8), trailhound's
own CPU time (user + system, GNU time) and the S3 server's CPU time over the same run (from /proc),
LIST and GET requests as moto logged them (and again for a second run over the same bucket, which
finds nothing new and lists only the day folders that were not over when the first run read
them), and peak RSS (GNU time's %M; flat in corpus size reads
as a ratio near 1 between sizes). Both ingests evaluate no rules (--no-rules), so that the figure is
about reading.

The machine's cores are shared by trailhound and the server: where the server's CPU time plus
trailhound's exceeds the wall time times the cores, the stand-in, not the reader, sets the pace;
trailhound's CPU per event against the local ingest's is then the fair comparison.
"""
import argparse
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("TRAILHOUND_BIN", os.path.join(ROOT, "target", "release", "trailhound"))
BUCKET = "bench-org-trail"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command, env=None):
    """Runs `command` under GNU time; returns (seconds, CPU seconds, peak RSS in MB, its stderr)."""
    started = time.monotonic()
    process = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kb %M cpu %U %S", *command], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    if process.returncode not in (0, 3):
        sys.exit(f"{' '.join(command)} failed:\n{process.stderr}")
    figures = process.stderr.rsplit("peak-rss-kb ", 1)[1].split()
    peak = int(figures[0]) / 1024
    cpu = float(figures[2]) + float(figures[3])
    return seconds, cpu, peak, process.stderr


def cpu_seconds(pid):
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload(endpoint, root):
    import boto3
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench",
                      aws_secret_access_key="bench", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    files = []
    for folder, _, names in os.walk(os.path.join(root, "AWSLogs")):
        files.extend(os.path.join(folder, name) for name in names)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: s3.upload_file(p, BUCKET, os.path.relpath(p, root)), files))
    return len(files)


def measure(work, events, per_file):
    corpus = os.path.join(work, f"corpus-{events}-{per_file}")
    if not os.path.isdir(corpus):
        subprocess.run([BINARY, "gen", "--out", corpus, "--events", str(events), "--accounts", "3",
                        "--days", "30", "--events-per-file", str(per_file),
                        "--org-id", "o-bench1234567", "--digest-hours", "3"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(os.path.join(work, f"moto-{events}.log"), "w")
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        objects = upload(endpoint, corpus)
        rows = []
        local_index = os.path.join(work, "local")
        for name, verify in (("local disk, --no-verify", ["--no-verify"]), ("local disk", [])):
            shutil.rmtree(local_index, ignore_errors=True)
            seconds, cpu, peak, _ = timed([BINARY, "--quiet", "--index", local_index, "ingest",
                                           "--no-rules", *verify, os.path.join(corpus, "AWSLogs")])
            rows.append((name, seconds, cpu, None, peak, "-", "-"))
        env = dict(os.environ, AWS_ENDPOINT_URL_S3=endpoint, AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
        s3_index = os.path.join(work, "s3")
        shutil.rmtree(s3_index, ignore_errors=True)

        def from_bucket(name, *extra):
            """One ingest of the bucket, with the server's CPU and the requests it logged."""
            before = open(log.name).read()
            server_before = cpu_seconds(moto.pid)
            seconds, cpu, peak, _ = timed([BINARY, "--index", s3_index, "ingest", "--no-rules",
                                           *extra, f"s3://{BUCKET}"], env)
            server_cpu = cpu_seconds(moto.pid) - server_before
            requests = open(log.name).read()[len(before):]
            rows.append((name, seconds, cpu, server_cpu, peak, requests.count("list-type=2"),
                         requests.count("x-id=GetObject")))

        from_bucket("s3 (moto), --no-verify", "--no-verify")
        shutil.rmtree(s3_index, ignore_errors=True)
        # The integrity check after the ingest reads the day folders it fetched once more.
        from_bucket("s3 (moto)")
        # The same bucket again: nothing new, and the day folders closed by the first run are
        # not listed again.
        from_bucket("s3 again, nothing new")
        return objects, rows
    finally:
        moto.terminate()
        moto.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/th-s3")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--per-file", default="30,300")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print(f"{os.cpu_count()} cores")
    print("| events | source | seconds | events/s | vs local | trailhound CPU s | CPU vs local "
          "| server CPU s | LIST | GET | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for events in [int(s) for s in args.sizes.split(",")]:
        for per_file in [int(s) for s in args.per_file.split(",")]:
            objects, rows = measure(args.dir, events, per_file)
            local_rate = events / rows[0][1]
            local_cpu = rows[0][2]
            for name, seconds, cpu, server_cpu, peak, lists, gets in rows:
                server = "-" if server_cpu is None else f"{server_cpu:.1f}"
                rate, ratio, cpu_ratio = "-", "-", "-"
                if "again" not in name:
                    rate = f"{events / seconds:,.0f}"
                    ratio = f"{events / seconds / local_rate:.2f}"
                    cpu_ratio = f"{cpu / local_cpu:.2f}"
                print(f"| {events:,} ({per_file}/file, {objects:,} objects) | {name} | {seconds:.1f} "
                      f"| {rate} | {ratio} | {cpu:.1f} | {cpu_ratio} "
                      f"| {server} | {lists} | {gets} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()
