//! Runs statements in Athena: start, poll until a final state (reporting state and data scanned
//! as it goes), page the results, stop on request. Every failure is one line that says what to do.
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_athena::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use crate::event::terminal_safe;
use crate::pull::aws::{configured_region, load, AwsOptions};

/// Where and how statements run.
#[derive(Debug, Clone, Default)]
pub struct AthenaOptions {
    pub profile: Option<String>,
    /// The region of the Athena catalog and workgroup [default: the configured region].
    pub region: Option<String>,
    pub workgroup: Option<String>,
    /// `s3://BUCKET/PREFIX/` for results, when the workgroup names none.
    pub output: Option<String>,
    pub database: Option<String>,
    /// Give up (and stop the query) after this long.
    pub timeout: Option<Duration>,
}

/// Athena's price per byte scanned: $5 per TB in most regions, at least 10 MB per query.
pub const DOLLARS_PER_TB: f64 = 5.0;
const MINIMUM_BILLED_BYTES: i64 = 10 * 1024 * 1024;

/// What a running statement has done so far.
#[derive(Debug, Clone)]
pub struct Progress {
    pub execution_id: String,
    pub state: String,
    pub scanned_bytes: i64,
    pub elapsed: Duration,
}

impl Progress {
    /// The estimated cost of the bytes scanned so far.
    pub fn dollars(&self) -> f64 {
        estimated_dollars(self.scanned_bytes)
    }
}

pub fn estimated_dollars(scanned_bytes: i64) -> f64 {
    scanned_bytes.max(MINIMUM_BILLED_BYTES) as f64 / 1e12 * DOLLARS_PER_TB
}

/// Why a statement did not give an answer, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AthenaError {
    #[error("{0}")]
    Request(String),
    #[error("the query failed in Athena: {0}")]
    Failed(String),
    #[error("the query was cancelled{0}")]
    Cancelled(String),
    #[error("the query ran longer than {0} s and was stopped")]
    TimedOut(u64),
}

pub struct Athena {
    client: aws_sdk_athena::Client,
    options: AthenaOptions,
}

/// How often a running query is asked about.
const POLL: Duration = Duration::from_millis(500);

impl Athena {
    pub async fn connect(options: &AthenaOptions) -> Athena {
        let region = match &options.region {
            Some(region) => region.clone(),
            None => configured_region(options.profile.as_deref())
                .await
                .unwrap_or_else(|| "us-east-1".to_owned()),
        };
        let config = load(
            &AwsOptions {
                profile: options.profile.clone(),
                request_timeout: Duration::from_secs(60),
            },
            &region,
        )
        .await;
        Athena {
            client: aws_sdk_athena::Client::new(&config),
            options: options.clone(),
        }
    }

    /// Starts `sql`; returns its execution id.
    pub async fn start(&self, sql: &str) -> Result<String, AthenaError> {
        let mut request = self.client.start_query_execution().query_string(sql);
        if let Some(workgroup) = &self.options.workgroup {
            request = request.work_group(workgroup);
        }
        if let Some(output) = &self.options.output {
            request = request.result_configuration(
                ResultConfiguration::builder()
                    .output_location(output)
                    .build(),
            );
        }
        if let Some(database) = &self.options.database {
            request = request.query_execution_context(
                QueryExecutionContext::builder().database(database).build(),
            );
        }
        let started = request.send().await.map_err(|e| request_error(&e))?;
        started
            .query_execution_id()
            .map(str::to_owned)
            .ok_or_else(|| AthenaError::Request("Athena started the query without an id".into()))
    }

    /// Polls `execution_id` until it ends; `stop` (Ctrl-C) and the timeout stop the query in
    /// Athena too, so that nothing goes on scanning (and billing) behind the user's back.
    pub async fn wait(
        &self,
        execution_id: &str,
        stop: &AtomicBool,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Progress, AthenaError> {
        let started = Instant::now();
        loop {
            let answer = self
                .client
                .get_query_execution()
                .query_execution_id(execution_id)
                .send()
                .await
                .map_err(|e| request_error(&e))?;
            let execution = answer.query_execution();
            let status = execution.and_then(|e| e.status());
            let state = status.and_then(|s| s.state()).cloned();
            let progress = Progress {
                execution_id: execution_id.to_owned(),
                state: state
                    .as_ref()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_else(|| "UNKNOWN".into()),
                scanned_bytes: execution
                    .and_then(|e| e.statistics())
                    .and_then(|s| s.data_scanned_in_bytes())
                    .unwrap_or(0),
                elapsed: started.elapsed(),
            };
            on_progress(&progress);
            let reason = || {
                status
                    .and_then(|s| s.state_change_reason())
                    .map(|r| terminal_safe(r).into_owned())
                    .unwrap_or_default()
            };
            match state {
                Some(QueryExecutionState::Succeeded) => return Ok(progress),
                Some(QueryExecutionState::Failed) => {
                    let reason = reason();
                    return Err(AthenaError::Failed(if reason.is_empty() {
                        "no reason given".into()
                    } else if not_the_cloudtrail_table(&reason) {
                        format!("{reason} (the table does not have the CloudTrail table's columns and partitions: create it with `trailhound athena setup`, or name it with --table)")
                    } else {
                        reason
                    }));
                }
                Some(QueryExecutionState::Cancelled) => {
                    let reason = reason();
                    return Err(AthenaError::Cancelled(if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {reason}")
                    }));
                }
                _ => {}
            }
            if stop.load(Ordering::Relaxed) {
                self.stop(execution_id).await?;
                return Err(AthenaError::Cancelled(" (stopped on request)".into()));
            }
            if let Some(timeout) = self.options.timeout {
                if started.elapsed() >= timeout {
                    self.stop(execution_id).await?;
                    return Err(AthenaError::TimedOut(timeout.as_secs()));
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn stop(&self, execution_id: &str) -> Result<(), AthenaError> {
        self.client
            .stop_query_execution()
            .query_execution_id(execution_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| request_error(&e))
    }

    /// Every row of a finished query's result, page after page, without the header row.
    pub async fn rows(&self, execution_id: &str) -> Result<Vec<Vec<Option<String>>>, AthenaError> {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut first_page = true;
        loop {
            let page = self
                .client
                .get_query_results()
                .query_execution_id(execution_id)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| request_error(&e))?;
            let page_rows = page.result_set().map(|r| r.rows()).unwrap_or_default();
            for (i, row) in page_rows.iter().enumerate() {
                if first_page && i == 0 {
                    continue;
                }
                rows.push(
                    row.data()
                        .iter()
                        .map(|d| d.var_char_value().map(str::to_owned))
                        .collect(),
                );
            }
            first_page = false;
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(rows),
            }
        }
    }
}

/// Whether Athena's reason says the table is missing or shaped unlike the CloudTrail table.
fn not_the_cloudtrail_table(reason: &str) -> bool {
    [
        "COLUMN_NOT_FOUND",
        "TABLE_NOT_FOUND",
        "SCHEMA_NOT_FOUND",
        "cannot be resolved",
    ]
    .iter()
    .any(|sign| reason.contains(sign))
}

/// One line for a failed request: what Athena said, and what to do about it.
fn request_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: &SdkError<E, aws_sdk_athena::config::http::HttpResponse>,
) -> AthenaError {
    let safe = |text: &str| terminal_safe(text).into_owned();
    let SdkError::ServiceError(service) = error else {
        let detail = DisplayErrorContext(error).to_string();
        return AthenaError::Request(format!(
            "cannot reach Athena: {}",
            safe(detail.lines().next().unwrap_or_default())
        ));
    };
    let code = service.err().code().unwrap_or_default();
    let message = safe(service.err().message().unwrap_or_default());
    let lower = message.to_ascii_lowercase();
    AthenaError::Request(
        if lower.contains("output location") || lower.contains("outputlocation") {
            format!("Athena has nowhere to write results: pass --output s3://BUCKET/PREFIX/ or a --workgroup that has an output location ({message})")
        } else if code == "AccessDeniedException"
            || lower.contains("access denied")
            || lower.contains("not authorized")
        {
            format!("access denied by Athena ({message}): the credentials need athena:StartQueryExecution, GetQueryExecution, GetQueryResults and StopQueryExecution, glue:GetTable on the table, and S3 access to the trail and results buckets")
        } else if lower.contains("workgroup") {
            format!("{code}: {message} (check --workgroup)")
        } else {
            format!("{code}: {message}")
        },
    )
}
