#!/usr/bin/env python3
"""An adverse trail for the ingest and query benchmarks, written without trailhound's generator.

    python3 benches/distinct_values_corpus.py --out /tmp/distinct --events 1000000

Every event has its own session (principal id, ARN, access key, creation time), its own request and
instance ids and, for two events in three, a user agent no other event has; ten events per log file in
the `AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/` layout. The words of values that repeat in real
trails are read from their distinct values at query time, so this is the shape where queries cost
most; it is also the shape where indexing word by word costs most.
"""
import argparse
import gzip
import json
import os
import random
import uuid

NAMES = ["DescribeInstances", "GetObject", "PutObject", "AssumeRole", "ListBuckets", "GetCallerIdentity"]


def event(n, rng):
    unique = uuid.UUID(int=rng.getrandbits(128))
    session = f"session-{unique.hex[:12]}"
    role = f"App{n % 50}"
    agent = (f"aws-sdk-go-v2/1.{n % 30}.0 os/linux lang/go#1.21 md/GOOS#linux exec-env/AWS_ECS_FARGATE app/{unique.hex} Boto3"
             if n % 3 == 0 else f"Mozilla/5.0 Firefox/{n}.0 (request {unique.hex})")
    record = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE:{session}",
            "arn": f"arn:aws:sts::111122223333:assumed-role/{role}/{session}",
            "accountId": "111122223333",
            "accessKeyId": f"ASIA{unique.hex[:16].upper()}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE", "arn": f"arn:aws:iam::111122223333:role/{role}",
                                  "accountId": "111122223333", "userName": role},
                "attributes": {"creationDate": f"2026-11-01T{n % 24:02d}:{n % 60:02d}:{(n * 7) % 60:02d}Z", "mfaAuthenticated": "false"},
            },
        },
        "eventTime": f"2026-11-01T{n % 24:02d}:{n % 60:02d}:{(n * 13) % 60:02d}Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": NAMES[n % len(NAMES)],
        "awsRegion": "us-east-1",
        "sourceIPAddress": f"10.{n % 250}.{(n // 250) % 250}.{n % 7}",
        "userAgent": agent,
        "requestParameters": {"instancesSet": {"items": [{"instanceId": f"i-{unique.hex[:17]}"}]}},
        "responseElements": None,
        "requestID": str(unique),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
    }
    if n % 97 == 0:
        record["errorCode"] = "Client.UnauthorizedOperation"
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = os.path.join(args.out, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01")
    os.makedirs(folder, exist_ok=True)
    per_file = 10
    for first in range(0, args.events, per_file):
        records = [event(n, rng) for n in range(first, min(first + per_file, args.events))]
        index = first // per_file
        name = f"111122223333_CloudTrail_us-east-1_20261101T{(index // 60) % 24:02d}{index % 60:02d}Z_{index:016x}.json.gz"
        with gzip.open(os.path.join(folder, name), "wt") as out:
            json.dump({"Records": records}, out)
    print(f"{args.events} events in {(args.events + per_file - 1) // per_file} files under {args.out}")


if __name__ == "__main__":
    main()
