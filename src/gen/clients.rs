//! How a caller's requests look on the wire: user agents and source addresses.

use std::borrow::Cow;

use rand::Rng;

use super::catalog::Api;
use super::estate::{pick, Estate};

/// The software a principal calls AWS with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// AWS CLI v2 on a laptop.
    Cli,
    /// The AWS Management Console in a browser.
    Console,
    Terraform,
    Boto3Lambda,
    NodeLambda,
    JavaEcs,
    /// Controllers in Kubernetes (AWS SDK for Go v2).
    GoEks,
    /// Agents and scripts on an EC2 instance (SSM, ECS and CloudWatch agents, cron jobs).
    HostAgent,
    /// An AWS service acting for itself: the agent is its host name.
    Service,
}

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];

const CLI_PLATFORMS: &[&str] = &[
    "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe",
    "aws-cli/2.21.3 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-48-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24",
    "aws-cli/2.18.12 md/awscrt#0.21.5 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe",
    "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#23.6.0 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source",
];

const S3_CONSOLE: &str = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.227-198.884.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.422-b05 java/1.8.0_422 vendor/Oracle_Corporation cfg/retry-mode/standard]";
const TERRAFORM: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.75.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64";
const BOTO3_LAMBDA: &str = "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.36";
const NODE_LAMBDA: &str = "aws-sdk-js/3.687.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 exec-env/AWS_Lambda_nodejs20.x";
const JAVA_ECS: &str = "aws-sdk-java/2.29.6 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy";
const GO_V2: &str =
    "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.22.9 md/GOOS#linux md/GOARCH#amd64";
const SSM_AGENT: &str = "aws-sdk-go/1.55.5 (go1.22.8; linux; amd64) amazon-ssm-agent/3.3.1142.0";
const ECS_AGENT: &str = "aws-sdk-go/1.55.5 (go1.22.8; linux; amd64) amazon-ecs-agent/1.88.0";
const CW_AGENT: &str = "aws-sdk-go/1.48.6 (go1.22.7; linux; amd64) CWAgent/1.300050.0";
const HOST_CLI: &str =
    "aws-cli/1.36.4 Python/3.9.20 Linux/6.1.119-129.201.amzn2023.x86_64 botocore/1.35.63";

/// `DescribeDBInstances` -> `describe-db-instances`, as the CLI names commands.
pub fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 6);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The SDK's `api/<service>#<version>` suffix; the version is fixed per service.
fn sdk_api_suffix(base: &str, api: &Api) -> String {
    let minor = api.service.prefix.bytes().map(u32::from).sum::<u32>() % 180 + 20;
    format!("{base} api/{}#1.{minor}.0", api.service.prefix)
}

/// The user agent of one call. `flavor` keeps one person on one laptop across calls.
pub fn user_agent(
    client: Client,
    flavor: usize,
    api: &Api,
    invoked_by: Option<&'static str>,
    rng: &mut impl Rng,
) -> Cow<'static, str> {
    let service = api.service.prefix;
    match client {
        Client::Cli => Cow::Owned(format!(
            "{} md/prompt#off md/command#{service}.{}",
            CLI_PLATFORMS[flavor % CLI_PLATFORMS.len()],
            kebab(api.action())
        )),
        Client::Console if service == "signin" || service == "sso" => {
            Cow::Borrowed(BROWSERS[flavor % BROWSERS.len()])
        }
        Client::Console if service == "s3" => Cow::Borrowed(S3_CONSOLE),
        Client::Console => match rng.random_range(0..10) {
            0..=5 => Cow::Borrowed("AWS Internal"),
            6..=7 => Cow::Borrowed(BROWSERS[flavor % BROWSERS.len()]),
            _ => Cow::Borrowed("console.amazonaws.com"),
        },
        Client::Terraform => Cow::Owned(sdk_api_suffix(TERRAFORM, api)),
        Client::Boto3Lambda => Cow::Borrowed(BOTO3_LAMBDA),
        Client::NodeLambda => Cow::Owned(format!("{NODE_LAMBDA} api/{service}#3.687.0 m/E")),
        Client::JavaEcs => Cow::Borrowed(JAVA_ECS),
        Client::GoEks => Cow::Owned(sdk_api_suffix(GO_V2, api)),
        Client::HostAgent => Cow::Borrowed(match service {
            "ssm" => SSM_AGENT,
            "ecs" => ECS_AGENT,
            "logs" | "cloudwatch" => CW_AGENT,
            _ => HOST_CLI,
        }),
        Client::Service => Cow::Borrowed(invoked_by.unwrap_or("AWS Internal")),
    }
}

pub fn browser(flavor: usize) -> &'static str {
    BROWSERS[flavor % BROWSERS.len()]
}

/// Where a principal's calls come from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// People: their usual address, sometimes a second one (home, VPN).
    Office { usual: String, other: String },
    /// Ephemeral CI runners (TEST-NET-1, 192.0.2.0/24).
    Runner,
    /// A private address, reaching AWS through the account's VPC endpoint.
    Vpc { address: String },
    /// Workloads behind the account's NAT gateways.
    Nat,
    /// An AWS service calls from its own host name.
    Service(&'static str),
    /// A principal of another account, from that company's network.
    Partner { address: String },
}

/// The corporate egress ranges (TEST-NET-3 and TEST-NET-2) and a documentation IPv6 prefix.
pub fn office_address(rng: &mut impl Rng) -> String {
    match rng.random_range(0..10) {
        0..=4 => format!("203.0.113.{}", rng.random_range(10..60)),
        5..=8 => format!("198.51.100.{}", rng.random_range(20..90)),
        _ => format!(
            "2001:db8:{:x}:{:x}::{:x}",
            rng.random_range(0x1000..0xffffu32),
            rng.random_range(1..0xffu32),
            rng.random_range(1..0xfffu32)
        ),
    }
}

pub fn private_address(rng: &mut impl Rng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.random_range(0..32),
        rng.random_range(0..256),
        rng.random_range(4..250)
    )
}

pub fn source_address<'a>(
    origin: &'a Origin,
    estate: &'a Estate,
    rng: &mut impl Rng,
) -> Cow<'a, str> {
    match origin {
        Origin::Office { usual, other } => Cow::Borrowed(if rng.random_range(0..8) == 0 {
            other
        } else {
            usual
        }),
        Origin::Runner => Cow::Owned(format!("192.0.2.{}", rng.random_range(1..255))),
        Origin::Vpc { address } => Cow::Borrowed(address),
        Origin::Nat => Cow::Borrowed(pick(rng, &estate.nat_ips)),
        Origin::Service(host) => Cow::Borrowed(host),
        Origin::Partner { address } => Cow::Borrowed(address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_command_names() {
        assert_eq!(kebab("DescribeDBInstances"), "describe-db-instances");
        assert_eq!(kebab("ListMFADevices"), "list-mfa-devices");
        assert_eq!(kebab("GetCallerIdentity"), "get-caller-identity");
        assert_eq!(kebab("AssumeRoleWithSAML"), "assume-role-with-saml");
    }
}
