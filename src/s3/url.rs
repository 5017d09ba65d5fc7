//! `s3://BUCKET[/PREFIX]` as given on the command line.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketUrl {
    pub bucket: String,
    /// Empty, or ending in `/`: a folder of the bucket.
    pub prefix: String,
}

impl BucketUrl {
    /// `None` when `text` is not an `s3://` URL at all; an error when it is one, badly formed.
    pub fn parse(text: &str) -> Option<Result<BucketUrl, String>> {
        let scheme = text.get(..5)?;
        if !scheme.eq_ignore_ascii_case("s3://") {
            return None;
        }
        let rest = &text[5..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(if valid_bucket_name(bucket) {
            let mut prefix = prefix.trim_start_matches('/').to_owned();
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            Ok(BucketUrl {
                bucket: bucket.to_owned(),
                prefix,
            })
        } else {
            Err(format!(
                "`{}` is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
                crate::event::terminal_safe(bucket)
            ))
        })
    }

    /// How this bucket and folder are named in coverage and `@source`.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_a_bucket_and_a_folder() {
        let url = BucketUrl::parse("s3://trail-logs/org/AWSLogs")
            .unwrap()
            .unwrap();
        assert_eq!(url.bucket, "trail-logs");
        assert_eq!(url.prefix, "org/AWSLogs/");
        assert_eq!(url.label(), "s3://trail-logs/org/AWSLogs/");
        let root = BucketUrl::parse("S3://trail-logs/").unwrap().unwrap();
        assert_eq!(root.prefix, "");
        assert_eq!(BucketUrl::parse("S3://trail-logs").unwrap().unwrap(), root);
    }

    #[test]
    fn paths_are_not_urls_and_bad_names_are_said() {
        assert!(BucketUrl::parse("./AWSLogs").is_none());
        assert!(BucketUrl::parse("s3").is_none());
        let error = BucketUrl::parse("s3://Bad_Bucket\u{1b}[2J/x")
            .unwrap()
            .unwrap_err();
        assert!(error.contains("Bad_Bucket\\u{1b}[2J"), "{error}");
        assert!(BucketUrl::parse("s3://").unwrap().is_err());
    }
}
