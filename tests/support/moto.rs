//! A local S3 server for tests: moto's server (`pip install 'moto[server]'`), started on a free
//! port and stopped on drop, with its request log; and a proxy in front of it that injects the
//! faults real buckets produce (SlowDown, broken downloads, KMS denials) into chosen keys.
#![allow(dead_code)]
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

pub const ACCESS_KEY: &str = "testing";
pub const SECRET_KEY: &str = "testing";

pub struct Moto {
    /// moto's own address.
    pub endpoint: String,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// Why the tests cannot run here; only a missing Python skips them.
pub fn unavailable() -> Option<String> {
    let python = Command::new("python3").arg("--version").output();
    if python.map(|o| !o.status.success()).unwrap_or(true) {
        return Some("python3 is not installed".into());
    }
    None
}

impl Moto {
    /// Starts moto's server; panics (failing the test) when Python is there but moto is not:
    /// `.ci/run` installs it.
    pub fn start() -> Moto {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("moto.log");
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("python3 -m moto.server");
        let mut moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!(
                    "moto's server exited ({status}): {}\ninstall it with: pip install 'moto[server]'",
                    std::fs::read_to_string(&moto.log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto's server did not start in 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// The request lines moto logged (`GET /bucket?list-type=2&prefix=… HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let start = line.find('"')? + 1;
                let end = start + line[start..].find('"')?;
                Some(line[start..end].to_owned())
            })
            .collect()
    }

    /// ListObjectsV2 calls on `bucket` so far.
    pub fn list_calls(&self, bucket: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                (r.starts_with(&format!("GET /{bucket}?"))
                    || r.starts_with(&format!("GET /{bucket}/?")))
                    && r.contains("list-type=2")
            })
            .count()
    }

    /// GetObject calls on `bucket` so far.
    pub fn get_calls(&self, bucket: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with(&format!("GET /{bucket}/")) && r.contains("x-id=GetObject"))
            .count()
    }

    /// An S3 client of the test's own, for uploads.
    pub fn client(&self, endpoint: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "tests",
            ))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Creates `bucket` and uploads every file under `dir`, keyed by its path below `base`;
    /// digests carry the signatures `trailhound gen` wrote beside them as S3 metadata.
    pub fn upload_dir(&self, bucket: &str, base: &Path, dir: &Path) -> usize {
        let files: Vec<(String, Vec<u8>)> = files_under(dir)
            .into_iter()
            .map(|path| {
                let key = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                (key, std::fs::read(&path).unwrap())
            })
            .collect();
        let signatures = std::fs::read(base.join("digest-signatures.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        self.put_signed(bucket, files, true, signatures)
    }

    /// Uploads objects (creating the bucket when asked); digests get a made-up signature.
    pub fn put(&self, bucket: &str, objects: Vec<(String, Vec<u8>)>, create: bool) -> usize {
        self.put_signed(bucket, objects, create, HashMap::new())
    }

    fn put_signed(
        &self,
        bucket: &str,
        objects: Vec<(String, Vec<u8>)>,
        create: bool,
        signatures: HashMap<String, String>,
    ) -> usize {
        let signatures = Arc::new(signatures);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let client = self.client(&self.endpoint);
        let count = objects.len();
        runtime.block_on(async move {
            if create {
                let _ = client.create_bucket().bucket(bucket).send().await;
            }
            let limit = Arc::new(tokio::sync::Semaphore::new(16));
            let mut tasks = tokio::task::JoinSet::new();
            for (key, body) in objects {
                let client = client.clone();
                let bucket = bucket.to_owned();
                let signatures = signatures.clone();
                let permit = limit.clone().acquire_owned().await.unwrap();
                tasks.spawn(async move {
                    let mut put = client
                        .put_object()
                        .bucket(&bucket)
                        .key(&key)
                        .body(body.into());
                    if key.contains("CloudTrail-Digest/") {
                        let signature = signatures.get(&key).map_or("c0ffee", String::as_str);
                        put = put
                            .metadata("signature", signature)
                            .metadata("signature-algorithm", "SHA256withRSA");
                    }
                    put.send().await.unwrap_or_else(|e| {
                        panic!(
                            "upload {key}: {}",
                            aws_sdk_s3::error::DisplayErrorContext(&e)
                        )
                    });
                    drop(permit);
                });
            }
            while let Some(done) = tasks.join_next().await {
                done.unwrap();
            }
        });
        count
    }

    /// `trailhound --index INDEX` reading S3 at `endpoint` with the test's keys, with `home` as its
    /// home and no real AWS configuration from the environment.
    pub fn command(&self, endpoint: &str, index: &Path, home: &Path) -> Command {
        let mut command = crate::support::isolated_aws_command(index, home);
        command
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_S3", endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        command
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Every file under `root`, sorted.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

/// A fault the proxy injects into requests whose path contains `key`.
#[derive(Debug, Clone)]
pub enum Fault {
    /// `503 SlowDown`, the next `times` requests.
    SlowDown { key: String, times: usize },
    /// The body breaks off halfway, the next `times` downloads.
    BrokenBody { key: String, times: usize },
    /// `403 AccessDenied` from KMS for every request (an SSE-KMS object without kms:Decrypt).
    KmsDenied { key: String, kms_key: String },
    /// `403 AccessDenied` for every request (no s3:ListBucket or s3:GetObject).
    Denied { key: String },
    /// The bucket lives in `region`: a request signed for another region gets
    /// `301 PermanentRedirect` with `x-amz-bucket-region`, as S3 answers.
    InRegion { bucket: String, region: String },
    /// Athena answers the call `action` (`StartQueryExecution`, ...) with this error, as its JSON
    /// protocol does (`{"__type": CODE, "Message": ...}`).
    AthenaError {
        action: String,
        status: u16,
        code: String,
        message: String,
    },
    /// Every GetQueryExecution reports this state (and reason), whatever moto says.
    AthenaState { state: String, reason: String },
}

/// A proxy in front of moto that injects faults and logs what it served.
pub struct FaultProxy {
    pub endpoint: String,
    faults: Arc<Mutex<Vec<Fault>>>,
    injected: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("moto address");
        let faults = Arc::new(Mutex::new(Vec::new()));
        let injected = Arc::new(Mutex::new(Vec::new()));
        let (serving_faults, serving_injected) = (faults.clone(), injected.clone());
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let faults = serving_faults.clone();
                let injected = serving_injected.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let faults = faults.clone();
                        let injected = injected.clone();
                        async move {
                            Ok::<_, Infallible>(relay(upstream, &faults, &injected, request).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy {
            endpoint: format!("http://{address}"),
            faults,
            injected,
            _runtime: runtime,
        }
    }

    pub fn inject(&self, fault: Fault) {
        self.faults.lock().unwrap().push(fault);
    }

    /// The faults injected so far, one line each (`SlowDown /bucket/key`).
    pub fn injected(&self) -> Vec<String> {
        self.injected.lock().unwrap().clone()
    }
}

async fn relay(
    upstream: SocketAddr,
    faults: &Mutex<Vec<Fault>>,
    injected: &Mutex<Vec<String>>,
    request: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let athena_action = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix("AmazonAthena."))
        .map(str::to_owned);
    let mut athena_state = None;
    let signed_for = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let is_get = request.method() == hyper::Method::GET
        && request
            .uri()
            .query()
            .is_some_and(|q| q.contains("x-id=GetObject"));
    let mut broken = false;
    {
        let mut faults = faults.lock().unwrap();
        for fault in faults.iter_mut() {
            match fault {
                Fault::SlowDown { key, times } if *times > 0 && path.contains(key.as_str()) => {
                    *times -= 1;
                    injected.lock().unwrap().push(format!("SlowDown {path}"));
                    return xml_error(503, "SlowDown", "Please reduce your request rate.");
                }
                Fault::KmsDenied { key, kms_key } if path.contains(key.as_str()) => {
                    injected.lock().unwrap().push(format!("KmsDenied {path}"));
                    return xml_error(
                        403,
                        "AccessDenied",
                        &format!("User: arn:aws:sts::111122223333:assumed-role/reader/s is not authorized to perform: kms:Decrypt on resource: {kms_key} because no identity-based policy allows the kms:Decrypt action"),
                    );
                }
                Fault::Denied { key } if path.contains(key.as_str()) => {
                    injected.lock().unwrap().push(format!("Denied {path}"));
                    return xml_error(403, "AccessDenied", "Access Denied");
                }
                Fault::InRegion { bucket, region }
                    if path.starts_with(&format!("/{bucket}"))
                        && !signed_for.contains(&format!("/{region}/s3/")) =>
                {
                    injected.lock().unwrap().push(format!("Redirect {path}"));
                    let mut response = xml_error(
                        301,
                        "PermanentRedirect",
                        "The bucket you are attempting to access must be addressed using the specified endpoint.",
                    );
                    response
                        .headers_mut()
                        .insert("x-amz-bucket-region", region.parse().unwrap());
                    return response;
                }
                Fault::AthenaError {
                    action,
                    status,
                    code,
                    message,
                } if athena_action.as_deref() == Some(action.as_str()) => {
                    injected.lock().unwrap().push(format!("{code} {action}"));
                    let body = serde_json::json!({"__type": code, "Message": message}).to_string();
                    return Response::builder()
                        .status(*status)
                        .header("content-type", "application/x-amz-json-1.1")
                        .header("x-amzn-errortype", code.as_str())
                        .body(Full::new(Bytes::from(body)))
                        .unwrap();
                }
                Fault::AthenaState { state, reason }
                    if athena_action.as_deref() == Some("GetQueryExecution") =>
                {
                    athena_state = Some((state.clone(), reason.clone()));
                }
                Fault::BrokenBody { key, times }
                    if *times > 0 && is_get && path.contains(key.as_str()) =>
                {
                    *times -= 1;
                    injected.lock().unwrap().push(format!("BrokenBody {path}"));
                    broken = true;
                }
                _ => {}
            }
        }
    }
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let upstream_request = Request::from_parts(parts, Full::new(body));
    let Ok(stream) = tokio::net::TcpStream::connect(upstream).await else {
        return xml_error(502, "BadGateway", "moto is not answering");
    };
    let Ok((mut sender, connection)) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
    else {
        return xml_error(502, "BadGateway", "handshake failed");
    };
    tokio::spawn(connection);
    let Ok(response) = sender.send_request(upstream_request).await else {
        return xml_error(502, "BadGateway", "moto did not answer");
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Some((state, reason)) = athena_state {
        let mut answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        answer["QueryExecution"]["Status"]["State"] = state.clone().into();
        answer["QueryExecution"]["Status"]["StateChangeReason"] = reason.into();
        injected
            .lock()
            .unwrap()
            .push(format!("{state} GetQueryExecution"));
        let mut response = Response::from_parts(parts, Full::new(Bytes::from(answer.to_string())));
        response.headers_mut().remove(hyper::header::CONTENT_LENGTH);
        return response;
    }
    if broken {
        // The full length is announced and half is sent: the connection closes early.
        let mut response = Response::from_parts(parts, Full::new(body.slice(..body.len() / 2)));
        response.headers_mut().insert(
            hyper::header::CONTENT_LENGTH,
            body.len().to_string().parse().unwrap(),
        );
        return response;
    }
    Response::from_parts(parts, Full::new(body))
}

fn xml_error(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>test</RequestId></Error>"
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/xml")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
