//! The Athena table over a trail bucket: AWS's CloudTrail table (JSON SerDe, one row per record,
//! columns mirroring the record with lower-cased names) with partition projection for the
//! bucket's layout, so that every query can be pruned to the accounts, regions and days it asks
//! about.
use std::fmt::Write;

/// One column of the table, or one field of a struct column, by its CloudTrail name.
#[derive(Debug)]
pub struct Column {
    /// The record's own spelling (`userIdentity`, `sessionIssuer`): the query language's path.
    pub name: &'static str,
    pub shape: Shape,
}

#[derive(Debug)]
pub enum Shape {
    /// A string (Athena reads numbers and booleans into it as their JSON text).
    Text,
    /// A JSON document kept as text: `requestParameters`, `responseElements`, ...
    Json,
    Struct(&'static [Column]),
    /// An array of structs (`resources`).
    Array(&'static [Column]),
    /// A string-to-string map (web identity attributes): present in the table, not queryable.
    Map,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        shape: Shape::Text,
    }
}

const SESSION_ISSUER: &[Column] = &[
    text("type"),
    text("principalId"),
    text("arn"),
    text("accountId"),
    text("userName"),
];

const SESSION_CONTEXT: &[Column] = &[
    Column {
        name: "attributes",
        shape: Shape::Struct(&[text("mfaAuthenticated"), text("creationDate")]),
    },
    Column {
        name: "sessionIssuer",
        shape: Shape::Struct(SESSION_ISSUER),
    },
    text("ec2RoleDelivery"),
    text("sourceIdentity"),
    Column {
        name: "webIdFederationData",
        shape: Shape::Struct(&[
            text("federatedProvider"),
            Column {
                name: "attributes",
                shape: Shape::Map,
            },
        ]),
    },
];

const USER_IDENTITY: &[Column] = &[
    text("type"),
    text("principalId"),
    text("arn"),
    text("accountId"),
    text("invokedBy"),
    text("accessKeyId"),
    text("userName"),
    text("identityProvider"),
    text("credentialId"),
    Column {
        name: "onBehalfOf",
        shape: Shape::Struct(&[text("userId"), text("identityStoreArn")]),
    },
    Column {
        name: "sessionContext",
        shape: Shape::Struct(SESSION_CONTEXT),
    },
];

/// The record's columns, in AWS's order.
pub const COLUMNS: &[Column] = &[
    text("eventVersion"),
    Column {
        name: "userIdentity",
        shape: Shape::Struct(USER_IDENTITY),
    },
    text("eventTime"),
    text("eventSource"),
    text("eventName"),
    text("awsRegion"),
    text("sourceIPAddress"),
    text("userAgent"),
    text("errorCode"),
    text("errorMessage"),
    Column {
        name: "requestParameters",
        shape: Shape::Json,
    },
    Column {
        name: "responseElements",
        shape: Shape::Json,
    },
    Column {
        name: "additionalEventData",
        shape: Shape::Json,
    },
    text("requestID"),
    text("eventID"),
    Column {
        name: "resources",
        shape: Shape::Array(&[text("ARN"), text("accountId"), text("type")]),
    },
    text("eventType"),
    text("apiVersion"),
    text("readOnly"),
    text("recipientAccountId"),
    Column {
        name: "serviceEventDetails",
        shape: Shape::Json,
    },
    text("sharedEventID"),
    text("vpcEndpointId"),
    text("vpcEndpointAccountId"),
    text("eventCategory"),
    text("managementEvent"),
    Column {
        name: "addendum",
        shape: Shape::Struct(&[
            text("reason"),
            text("updatedFields"),
            text("originalRequestID"),
            text("originalEventID"),
        ]),
    },
    text("sessionCredentialFromConsole"),
    Column {
        name: "edgeDeviceDetails",
        shape: Shape::Json,
    },
    Column {
        name: "tlsDetails",
        shape: Shape::Struct(&[
            text("tlsVersion"),
            text("cipherSuite"),
            text("clientProvidedHostHeader"),
        ]),
    },
];

/// The column names Athena gives: CloudTrail's, lower-cased.
pub fn sql_name(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn hive_type(shape: &Shape, out: &mut String) {
    let fields = |columns: &[Column], out: &mut String| {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}: ", sql_name(column.name));
            hive_type(&column.shape, out);
        }
    };
    match shape {
        Shape::Text | Shape::Json => out.push_str("STRING"),
        Shape::Map => out.push_str("MAP<STRING, STRING>"),
        Shape::Struct(columns) => {
            out.push_str("STRUCT<");
            fields(columns, out);
            out.push('>');
        }
        Shape::Array(columns) => {
            out.push_str("ARRAY<STRUCT<");
            fields(columns, out);
            out.push_str(">>");
        }
    }
}

/// Where the trail writes and which partitions the table projects.
#[derive(Debug, Clone)]
pub struct TableLayout {
    pub bucket: String,
    /// The trail's key prefix, without slashes at either end (empty when none).
    pub prefix: String,
    /// `o-…` for an organisation trail: accounts become a partition.
    pub organisation: Option<String>,
    /// An organisation's member accounts (an `enum` partition); none: `injected`, which makes
    /// every query name its accounts. A single-account trail's account.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

/// The partition columns, in the order the table declares them.
pub const ACCOUNT_PARTITION: &str = "account";
pub const REGION_PARTITION: &str = "region";
pub const DAY_PARTITION: &str = "timestamp";
/// The day partition's format, in Athena's (Java) and chrono's spelling.
pub const DAY_FORMAT_JAVA: &str = "yyyy/MM/dd";
pub const DAY_FORMAT: &str = "%Y/%m/%d";
/// The first day the projection reaches: CloudTrail existed, S3 delivery too.
pub const FIRST_DAY: &str = "2013/11/01";

impl TableLayout {
    /// The `storage.location.template`: where one partition's files are.
    pub fn location_template(&self) -> String {
        let account = match &self.organisation {
            Some(org) => format!("{org}/${{{ACCOUNT_PARTITION}}}"),
            None => self.accounts.first().cloned().unwrap_or_default(),
        };
        format!(
            "{}AWSLogs/{account}/CloudTrail/${{{REGION_PARTITION}}}/${{{DAY_PARTITION}}}",
            self.root()
        )
    }

    fn root(&self) -> String {
        match self.prefix.as_str() {
            "" => format!("s3://{}/", self.bucket),
            prefix => format!("s3://{}/{prefix}/", self.bucket),
        }
    }

    /// The table's location: the trail's logs (every account's, for an organisation).
    pub fn location(&self) -> String {
        match &self.organisation {
            Some(org) => format!("{}AWSLogs/{org}/", self.root()),
            None => format!(
                "{}AWSLogs/{}/CloudTrail/",
                self.root(),
                self.accounts
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default()
            ),
        }
    }

    /// `CREATE EXTERNAL TABLE` for `table` (`db.name` or `name`).
    pub fn ddl(&self, table: &str) -> String {
        let mut out = format!("CREATE EXTERNAL TABLE IF NOT EXISTS {table} (\n");
        for (i, column) in COLUMNS.iter().enumerate() {
            let _ = write!(out, "  {} ", sql_name(column.name));
            hive_type(&column.shape, &mut out);
            out.push_str(if i + 1 < COLUMNS.len() { ",\n" } else { "\n" });
        }
        out.push_str(")\nCOMMENT 'CloudTrail logs, one row per record (created by trailhound)'\n");
        let mut partitions = Vec::new();
        if self.organisation.is_some() {
            partitions.push(format!("{ACCOUNT_PARTITION} STRING"));
        }
        partitions.push(format!("{REGION_PARTITION} STRING"));
        partitions.push(format!("`{DAY_PARTITION}` STRING"));
        let _ = writeln!(out, "PARTITIONED BY ({})", partitions.join(", "));
        out.push_str(
            "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n\
             STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n\
             OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n",
        );
        let _ = writeln!(out, "LOCATION '{}'", self.location());
        let mut properties = vec![("projection.enabled", "true".to_owned())];
        if self.organisation.is_some() {
            if self.accounts.is_empty() {
                properties.push(("projection.account.type", "injected".to_owned()));
            } else {
                properties.push(("projection.account.type", "enum".to_owned()));
                properties.push(("projection.account.values", self.accounts.join(",")));
            }
        }
        properties.push(("projection.region.type", "enum".to_owned()));
        properties.push(("projection.region.values", self.regions.join(",")));
        properties.push(("projection.timestamp.type", "date".to_owned()));
        properties.push(("projection.timestamp.format", DAY_FORMAT_JAVA.to_owned()));
        properties.push(("projection.timestamp.interval", "1".to_owned()));
        properties.push(("projection.timestamp.interval.unit", "DAYS".to_owned()));
        properties.push(("projection.timestamp.range", format!("{FIRST_DAY},NOW")));
        properties.push(("storage.location.template", self.location_template()));
        out.push_str("TBLPROPERTIES (\n");
        for (i, (key, value)) in properties.iter().enumerate() {
            let _ = write!(out, "  '{key}'='{value}'");
            out.push_str(if i + 1 < properties.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        out.push_str(")\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(organisation: Option<&str>, accounts: &[&str]) -> TableLayout {
        TableLayout {
            bucket: "trail-bucket".into(),
            prefix: "org/logs".into(),
            organisation: organisation.map(str::to_owned),
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
        }
    }

    #[test]
    fn a_single_account_table_projects_regions_and_days_under_the_account() {
        let ddl = layout(None, &["111122223333"]).ddl("security.cloudtrail");
        assert!(ddl.contains("PARTITIONED BY (region STRING, `timestamp` STRING)"));
        assert!(ddl.contains("'storage.location.template'='s3://trail-bucket/org/logs/AWSLogs/111122223333/CloudTrail/${region}/${timestamp}'"));
        assert!(
            ddl.contains("LOCATION 's3://trail-bucket/org/logs/AWSLogs/111122223333/CloudTrail/'")
        );
        assert!(ddl.contains("'projection.region.values'='us-east-1,eu-west-1'"));
        assert!(!ddl.contains("projection.account"));
        assert!(ddl.contains(
            "useridentity STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING"
        ));
        assert!(
            ddl.contains("resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>")
        );
    }

    #[test]
    fn an_organisation_table_adds_the_account_partition_enum_or_injected() {
        let listed = layout(Some("o-abc123"), &["111122223333", "444455556666"]).ddl("t");
        assert!(
            listed.contains("PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)")
        );
        assert!(listed.contains("'storage.location.template'='s3://trail-bucket/org/logs/AWSLogs/o-abc123/${account}/CloudTrail/${region}/${timestamp}'"));
        assert!(listed.contains("'projection.account.values'='111122223333,444455556666'"));
        let injected = layout(Some("o-abc123"), &[]).ddl("t");
        assert!(injected.contains("'projection.account.type'='injected'"));
    }
}
