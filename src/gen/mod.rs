//! Synthetic CloudTrail archives for tests, benchmarks and the demo: a company's accounts, their
//! people, pipelines, workloads and AWS services calling ~500 APIs over days, written as a real
//! trail bucket (`AWSLogs/...`), with an optional labelled incident inside.
//!
//! Deterministic by seed: every file draws from its own RNG (seed, file index), and everything
//! files share (accounts, principals, resources, sessions) is derived from the seed alone, so
//! files can be written in parallel and still come out byte-identical.

mod attacks;
mod cast;
mod catalog;
mod clients;
mod digest;
mod estate;
mod identities;
mod ids;
mod insights;
mod layout;
mod plan;
mod record;
mod signing;
mod time;
mod weighted;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::{ensure, Context};
use chrono::{DateTime, TimeZone, Utc};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

use attacks::{Intruders, LabelledCall};
use cast::AccountCast;
use catalog::Catalog;
use estate::Estate;
use layout::{account_prefix, content_hash, log_key, write_gz, Written};
use plan::FilePlan;
use record::Call;
use time::SLOT_SECS;
use weighted::Weighted;

pub struct GenOptions {
    /// Total events to write, incident and Insights events included.
    pub events: usize,
    pub seed: u64,
    /// The archive goes to `out/AWSLogs/...`, the incident's labels to `out/labels.json`.
    pub out: PathBuf,
    pub start: DateTime<Utc>,
    pub days: u32,
    pub accounts: usize,
    pub events_per_file: usize,
    /// Include the labelled incident (left out when `events` is under twice its size).
    pub attacks: bool,
    /// Organization-trail layout: `AWSLogs/<org_id>/<account>/...`.
    pub org_id: Option<String>,
    /// Digests for only the first hours of each account and region (all hours when unset).
    pub digest_hours: Option<usize>,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            events: 10_000,
            seed: 1,
            out: PathBuf::from("synthetic-trail"),
            start: Utc
                .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            days: 7,
            accounts: 2,
            events_per_file: 30,
            attacks: true,
            org_id: None,
            digest_hours: None,
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GenReport {
    /// Every file written under `AWSLogs/`: log, Insights and digest files.
    pub files: usize,
    pub events: usize,
    pub attack_events: usize,
    /// Uncompressed and compressed sizes of the files holding events (logs and Insights).
    pub json_bytes: u64,
    pub gz_bytes: u64,
    pub digest_files: usize,
    pub insight_files: usize,
}

/// What every file of one corpus shares.
struct World {
    seed: u64,
    catalog: Catalog,
    casts: Vec<AccountCast>,
    prefixes: Vec<String>,
}

pub fn generate(opts: &GenOptions) -> anyhow::Result<GenReport> {
    ensure!(
        opts.events_per_file > 0,
        "events per file must be at least 1"
    );
    ensure!(opts.accounts > 0, "at least one account is needed");
    ensure!(opts.days > 0, "the span must be at least one day");
    let seed = opts.seed;
    let start = opts.start.timestamp();
    let world = World::new(seed, opts.accounts, opts.org_id.as_deref());
    fs::create_dir_all(&opts.out).with_context(|| format!("creating {}", opts.out.display()))?;

    let intruders = Intruders::new(seed, &world.casts[0]);
    let mut incident = Vec::new();
    if opts.attacks {
        incident = attacks::script(seed, &world.casts[0], &intruders, start, opts.days)?;
        if incident.len() * 2 > opts.events {
            incident.clear();
        }
    }
    let mut anomalies =
        insights::plan(seed, insights::anomaly_count(opts.events), start, opts.days);
    if incident.len() + 2 * anomalies.len() > opts.events {
        anomalies.clear();
    }
    let background = opts.events - incident.len() - 2 * anomalies.len();
    let plans = plan::plan_files(
        seed,
        background,
        opts.events_per_file,
        start,
        opts.days,
        opts.accounts,
    );

    let mut logs: Vec<Written> = plans
        .par_iter()
        .enumerate()
        .map_init(
            || Vec::with_capacity(256 << 10),
            |buf, (index, plan)| world.write_background(opts, index, plan, buf),
        )
        .collect::<anyhow::Result<_>>()?;
    logs.extend(world.write_incident(opts, &incident)?);
    let insight_files = world.write_insights(opts, &anomalies)?;

    logs.sort_by_key(|w| w.delivered);
    let signer = signing::Signer::new()?;
    let mut regions: Vec<String> = logs.iter().map(|w| w.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let hour_of = |w: &Written| w.delivered.div_euclid(3600);
    let plan = digest::DigestPlan {
        out: &opts.out,
        org_id: opts.org_id.as_deref(),
        regions: &regions,
        first_hour: logs.first().map_or(0, hour_of),
        last_hour: logs.last().map_or(-1, hour_of),
        hours: opts.digest_hours,
        signer: &signer,
    };
    let mut signatures = std::collections::BTreeMap::new();
    for (account, cast) in world.casts.iter().enumerate() {
        let trail = digest::Trail {
            account,
            account_id: &cast.estate.account_id,
            bucket: match opts.org_id {
                Some(_) => &world.casts[0].estate.trail_bucket,
                None => &cast.estate.trail_bucket,
            },
            name: &cast.estate.trail,
        };
        signatures.extend(digest::write_digests(&plan, &trail, &logs)?);
    }
    let digest_files = signatures.len();
    write_json(
        &opts.out.join(DIGEST_SIGNATURES),
        &serde_json::to_vec_pretty(&signatures)?,
    )?;
    let keyring = signer.keyring(
        &time::iso(start - 86_400),
        &time::iso(start + (i64::from(opts.days) + 1) * 86_400),
    );
    write_json(
        &opts.out.join(crate::integrity::keyring::SAVED_KEYRING),
        &serde_json::to_vec_pretty(&keyring)?,
    )?;
    write_labels(opts, &incident)?;

    let events_files = logs.iter().chain(&insight_files);
    Ok(GenReport {
        files: logs.len() + insight_files.len() + digest_files,
        events: events_files.clone().map(|w| w.events).sum(),
        attack_events: incident.len(),
        json_bytes: events_files.clone().map(|w| w.json_bytes).sum(),
        gz_bytes: events_files.map(|w| w.gz_bytes).sum(),
        digest_files,
        insight_files: insight_files.len(),
    })
}

impl World {
    fn new(seed: u64, accounts: usize, org_id: Option<&str>) -> World {
        let partner = estate::account_id(seed, accounts + 7);
        let casts: Vec<AccountCast> = (0..accounts)
            .map(|index| AccountCast::new(seed, Estate::new(seed, index), &partner))
            .collect();
        let prefixes = casts
            .iter()
            .map(|c| account_prefix(org_id, &c.estate.account_id))
            .collect();
        World {
            seed,
            catalog: Catalog::new(),
            casts,
            prefixes,
        }
    }

    /// One log file of everyday traffic, following `plan`.
    fn write_background(
        &self,
        opts: &GenOptions,
        index: usize,
        plan: &FilePlan,
        buf: &mut Vec<u8>,
    ) -> anyhow::Result<Written> {
        let mut rng = ids::file_rng(self.seed, index);
        let cast = &self.casts[plan.account];
        let at_work = time::presence(plan.slot_start);
        let callers = Weighted::new(cast.actors.iter().map(|a| match () {
            _ if !self.catalog.serves(a.caller, plan.region) => 0.0,
            _ if a.human => a.weight * at_work,
            _ => a.weight,
        }));
        buf.clear();
        buf.extend_from_slice(b"{\"Records\":[");
        let (mut oldest, mut newest) = (i64::MAX, i64::MIN);
        for n in 0..plan.events {
            let time = plan.slot_start + rng.random_range(0..SLOT_SECS);
            let actor = &cast.actors[callers.sample(&mut rng)];
            let Some(api) = self.catalog.pick(actor.caller, plan.region, &mut rng) else {
                anyhow::bail!("no call for {} in {}", actor.key, plan.region);
            };
            let call = record::api_call(self.seed, cast, actor, api, plan.region, time, &mut rng);
            if n > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, &call)?;
            oldest = oldest.min(time);
            newest = newest.max(time);
        }
        buf.extend_from_slice(b"]}");
        let delivered = plan.slot_start + SLOT_SECS;
        let suffix = ids::alnum(&mut rng, 16);
        let account = &cast.estate.account_id;
        let key = log_key(
            &self.prefixes[plan.account],
            "CloudTrail",
            account,
            plan.region,
            delivered,
            &suffix,
        );
        let gz_bytes = write_gz(&opts.out, &key, buf)?;
        Ok(Written {
            key,
            account: plan.account,
            region: plan.region.to_owned(),
            delivered,
            oldest,
            newest,
            events: plan.events,
            json_bytes: buf.len() as u64,
            gz_bytes,
            hash: content_hash(buf),
        })
    }

    /// The incident's events, in files by region and delivery slot of the first account.
    fn write_incident(
        &self,
        opts: &GenOptions,
        incident: &[LabelledCall],
    ) -> anyhow::Result<Vec<Written>> {
        let mut files: BTreeMap<(i64, &str), Vec<&Call>> = BTreeMap::new();
        for labelled in incident {
            let call = &labelled.call;
            files
                .entry((call.time.div_euclid(SLOT_SECS), call.region))
                .or_default()
                .push(call);
        }
        let account = &self.casts[0].estate.account_id;
        let mut written = Vec::with_capacity(files.len());
        for (index, ((slot, region), calls)) in files.into_iter().enumerate() {
            let mut rng = ids::stable_rng(self.seed, &["incident-file", &index.to_string()]);
            let mut json = b"{\"Records\":".to_vec();
            serde_json::to_writer(&mut json, &calls)?;
            json.push(b'}');
            let delivered = (slot + 1) * SLOT_SECS;
            let key = log_key(
                &self.prefixes[0],
                "CloudTrail",
                account,
                region,
                delivered,
                &ids::alnum(&mut rng, 16),
            );
            let gz_bytes = write_gz(&opts.out, &key, &json)?;
            written.push(Written {
                key,
                account: 0,
                region: region.to_owned(),
                delivered,
                oldest: calls.iter().map(|c| c.time).min().unwrap_or(delivered),
                newest: calls.iter().map(|c| c.time).max().unwrap_or(delivered),
                events: calls.len(),
                json_bytes: json.len() as u64,
                gz_bytes,
                hash: content_hash(&json),
            });
        }
        Ok(written)
    }

    /// One file per Insights event: Start and End are delivered apart.
    fn write_insights(
        &self,
        opts: &GenOptions,
        anomalies: &[insights::Anomaly],
    ) -> anyhow::Result<Vec<Written>> {
        let mut written = Vec::new();
        for (index, anomaly) in anomalies.iter().enumerate() {
            let mut rng = ids::stable_rng(self.seed, &["insight-file", &index.to_string()]);
            let cast = &self.casts[anomaly.account];
            let events = insights::events(anomaly, cast, &mut rng);
            for (event, time) in events.iter().zip([anomaly.start, anomaly.end]) {
                let json = serde_json::to_vec(&serde_json::json!({ "Records": [event] }))?;
                let delivered = (time.div_euclid(SLOT_SECS) + 2) * SLOT_SECS;
                let suffix = ids::alnum(&mut rng, 16);
                let key = log_key(
                    &self.prefixes[anomaly.account],
                    "CloudTrail-Insight",
                    &cast.estate.account_id,
                    anomaly.region,
                    delivered,
                    &suffix,
                );
                let gz_bytes = write_gz(&opts.out, &key, &json)?;
                written.push(Written {
                    key,
                    account: anomaly.account,
                    region: anomaly.region.to_owned(),
                    delivered,
                    oldest: time,
                    newest: time,
                    events: 1,
                    json_bytes: json.len() as u64,
                    gz_bytes,
                    hash: content_hash(&json),
                });
            }
        }
        Ok(written)
    }
}

#[derive(Serialize)]
struct Labels<'a> {
    seed: u64,
    attack_events: Vec<Label<'a>>,
}

#[derive(Serialize)]
struct Label<'a> {
    event_id: &'a str,
    event_name: &'a str,
    technique: &'a str,
    step: &'a str,
}

/// Each digest's key and signature, which S3 keeps as the object's `signature` metadata: for
/// whoever uploads the archive to a bucket.
pub const DIGEST_SIGNATURES: &str = "digest-signatures.json";

fn write_json(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn write_labels(opts: &GenOptions, incident: &[LabelledCall]) -> anyhow::Result<()> {
    let labels = Labels {
        seed: opts.seed,
        attack_events: incident
            .iter()
            .map(|l| Label {
                event_id: &l.call.event_id,
                event_name: l.call.api.name,
                technique: l.technique,
                step: l.step,
            })
            .collect(),
    };
    let path = opts.out.join("labels.json");
    let json = serde_json::to_vec_pretty(&labels)?;
    fs::write(&path, json).with_context(|| format!("writing {}", path.display()))
}
