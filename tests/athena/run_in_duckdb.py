"""Runs Athena (Trino) statements over CloudTrail records in DuckDB, as Athena would over the trail.

The table has the shapes of AWS's CloudTrail table (written here from AWS's documentation, not
from trailhound's DDL): lower-cased column and struct field names, strings for scalars (JSON
numbers and booleans as their text), JSON text for requestParameters and the other documents, an
array of structs for resources; plus the partition columns and the "$path" pseudo-column.

stdin: {"records": "FILE.jsonl", "statements": {"NAME": "SQL", ...}, "rows": false}
stdout: {"NAME": {"ids": [...]} or {"rows": [[...], ...]} or {"error": "..."}, ...}
Each statement is transpiled from Trino to DuckDB with sqlglot; it must select eventid, or with
"rows" its rows are returned as Athena's GetQueryResults gives them: every cell as text.
"""
import json
import sys

import duckdb
import sqlglot

T = "VARCHAR"
J = "JSON"
SESSION_ISSUER = {"type": T, "principalid": T, "arn": T, "accountid": T, "username": T}
USER_IDENTITY = {
    "type": T, "principalid": T, "arn": T, "accountid": T, "invokedby": T, "accesskeyid": T,
    "username": T, "identityprovider": T, "credentialid": T,
    "onbehalfof": {"userid": T, "identitystorearn": T},
    "sessioncontext": {
        "attributes": {"mfaauthenticated": T, "creationdate": T},
        "sessionissuer": SESSION_ISSUER,
        "ec2roledelivery": T,
        "sourceidentity": T,
        "webidfederationdata": {"federatedprovider": T, "attributes": "MAP(VARCHAR, VARCHAR)"},
    },
}
COLUMNS = {
    "eventversion": T, "useridentity": USER_IDENTITY, "eventtime": T, "eventsource": T,
    "eventname": T, "awsregion": T, "sourceipaddress": T, "useragent": T, "errorcode": T,
    "errormessage": T, "requestparameters": J, "responseelements": J, "additionaleventdata": J,
    "requestid": T, "eventid": T, "resources": [{"arn": T, "accountid": T, "type": T}],
    "eventtype": T, "apiversion": T, "readonly": T, "recipientaccountid": T,
    "serviceeventdetails": J, "sharedeventid": T, "vpcendpointid": T, "vpcendpointaccountid": T,
    "eventcategory": T, "managementevent": T,
    "addendum": {"reason": T, "updatedfields": T, "originalrequestid": T, "originaleventid": T},
    "sessioncredentialfromconsole": T, "edgedevicedetails": J,
    "tlsdetails": {"tlsversion": T, "ciphersuite": T, "clientprovidedhostheader": T},
}


def duck_type(spec):
    if isinstance(spec, dict):
        return "STRUCT(" + ", ".join(f'"{k}" {duck_type(v)}' for k, v in spec.items()) + ")"
    if isinstance(spec, list):
        return duck_type(spec[0]) + "[]"
    return "VARCHAR" if spec == J else spec


def lowered(value):
    return {k.lower(): v for k, v in value.items()} if isinstance(value, dict) else None


def convert(value, spec):
    """A record's value as the JSON SerDe reads it into a column of this shape."""
    if value is None:
        return None
    if spec == J:
        return json.dumps(value)
    if isinstance(spec, dict):
        fields = lowered(value)
        if fields is None:
            return None
        return {k: convert(fields.get(k), s) for k, s in spec.items()}
    if isinstance(spec, list):
        if not isinstance(value, list):
            return None
        return [convert(item, spec[0]) for item in value]
    if spec.startswith("MAP"):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def main():
    job = json.load(sys.stdin)
    con = duckdb.connect()
    columns = ", ".join(f'"{k}" {duck_type(v)}' for k, v in COLUMNS.items())
    con.execute(
        f'CREATE TABLE cloudtrail_logs ({columns}, account VARCHAR, region VARCHAR, '
        f'"timestamp" VARCHAR, "$path" VARCHAR)'
    )
    rows = []
    with open(job["records"], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = lowered(json.loads(line))
            row = [convert(record.get(k), spec) for k, spec in COLUMNS.items()]
            time = record.get("eventtime") or ""
            row += [
                record.get("recipientaccountid"),
                record.get("awsregion"),
                time[:10].replace("-", "/"),
                "s3://trail/" + str(record.get("eventid")),
            ]
            rows.append(row)
    placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 4))
    con.executemany(f"INSERT INTO cloudtrail_logs VALUES ({placeholders})", rows)
    out = {}
    for name, sql in job["statements"].items():
        try:
            duck = sqlglot.transpile(sql, read="trino", write="duckdb")[0]
            if job.get("rows"):
                rows = con.execute(duck).fetchall()
                text = lambda cell: None if cell is None else str(cell)
                out[name] = {"rows": [[text(cell) for cell in row] for row in rows]}
                continue
            ids = con.execute(f"SELECT eventid FROM ({duck}) AS answer").fetchall()
            out[name] = {"ids": sorted(i[0] for i in ids)}
        except Exception as e:  # reported per statement, with the SQL that failed
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
