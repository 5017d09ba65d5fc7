//! Payloads of EC2, Auto Scaling, load balancer, Lambda and container calls.

use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::{json, Value};

use super::params::{filter, items, resource, CallContext, Payload};
use super::Api;
use crate::gen::estate::pick;
use crate::gen::ids;
use crate::gen::time;

pub fn build(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Option<Payload> {
    let estate = ctx.estate();
    let account = ctx.account();
    let region = ctx.region;
    let instance = own_instance(ctx).unwrap_or_else(|| pick(rng, &estate.instances).to_owned());
    let payload = match api.name {
        "DescribeInstances" => Payload::request(match rng.random_range(0..3) {
            0 => {
                json!({"instancesSet": items(vec![json!({"instanceId": instance})]), "filterSet": {}})
            }
            1 => {
                json!({"maxResults": 1000, "instancesSet": {}, "filterSet": filter("instance-state-name", "running")})
            }
            _ => {
                json!({"instancesSet": {}, "filterSet": filter("tag:aws:autoscaling:groupName", &format!("{}-{}-asg", estate.env, pick(rng, &estate.workloads)))})
            }
        }),
        "DescribeInstanceStatus" => Payload::request(json!({
            "instancesSet": items(vec![json!({"instanceId": instance})]),
            "filterSet": {},
            "includeAllInstances": true,
        })),
        "DescribeTags" => Payload::request(json!({"filterSet": filter("resource-id", &instance)})),
        "DescribeSecurityGroups" => Payload::request(json!({
            "securityGroupSet": {},
            "securityGroupIdSet": items(vec![json!({"groupId": pick(rng, &estate.security_groups)})]),
            "filterSet": {},
        })),
        "DescribeSubnets" if rng.random_range(0..2) == 0 => Payload::request(json!({
            "subnetSet": items(vec![json!({"subnetId": pick(rng, &estate.subnets)})]),
            "filterSet": {},
        })),
        "DescribeSubnets" | "DescribeRouteTables" | "DescribeNetworkAcls" => {
            Payload::request(json!({"filterSet": filter("vpc-id", &estate.vpc)}))
        }
        "DescribeVpcs" => Payload::request(
            json!({"vpcSet": items(vec![json!({"vpcId": estate.vpc})]), "filterSet": {}}),
        ),
        "DescribeNetworkInterfaces" => Payload::request(json!({
            "networkInterfaceIdSet": {},
            "filterSet": filter("attachment.instance-id", &instance),
        })),
        "DescribeVolumes" => Payload::request(json!({
            "volumeSet": {},
            "filterSet": filter("attachment.instance-id", &instance),
        })),
        "DescribeSnapshots" => Payload::request(json!({
            "snapshotSet": {},
            "ownersSet": items(vec![json!({"owner": "self"})]),
            "sharedUsersSet": {},
            "filterSet": {},
        })),
        "DescribeImages" => Payload::request(json!({
            "executableBySet": {},
            "imagesSet": items(vec![json!({"imageId": pick(rng, &estate.images)})]),
            "ownersSet": {},
            "filterSet": {},
        })),
        "DescribeAvailabilityZones" => {
            Payload::request(json!({"availabilityZoneSet": {}, "availabilityZoneIdSet": {}}))
        }
        "DescribeAccountAttributes" => Payload::request(json!({
            "accountAttributeNameSet": items(vec![json!({"attributeName": "supported-platforms"})]),
            "filterSet": {},
        })),
        "DescribeRegions" => Payload::request(json!({"regionSet": {}})),
        "DescribeInstanceAttribute" => {
            Payload::request(json!({"instanceId": instance, "attribute": "disableApiTermination"}))
                .with_resources(instance_resource(ctx, &instance))
        }
        "StartInstances" | "StopInstances" | "RebootInstances" | "MonitorInstances" => {
            Payload::request(json!({"instancesSet": items(vec![json!({"instanceId": instance})])}))
                .with_resources(instance_resource(ctx, &instance))
        }
        "CreateTags" => Payload::request(json!({
            "resourcesSet": items(vec![json!({"resourceId": instance})]),
            "tagSet": items(vec![json!({"key": "team", "value": pick(rng, &estate.workloads)})]),
        }))
        .with_response(json!({"requestId": ids::uuid(rng), "_return": true})),
        "RunInstances" => {
            let image = pick(rng, &estate.images).to_owned();
            run_instances(ctx, &image, "m6i.large", rng)
        }
        "TerminateInstances" => {
            Payload::request(json!({"instancesSet": items(vec![json!({"instanceId": instance})])}))
                .with_response(json!({
                    "requestId": ids::uuid(rng),
                    "instancesSet": items(vec![json!({
                        "instanceId": instance,
                        "currentState": {"code": 32, "name": "shutting-down"},
                        "previousState": {"code": 16, "name": "running"},
                    })]),
                }))
        }
        "AuthorizeSecurityGroupIngress" => {
            let group = pick(rng, &estate.security_groups).to_owned();
            authorize_ingress(ctx, &group, "10.0.0.0/8", 443, rng)
        }
        "SendSSHPublicKey" => {
            Payload::request(json!({"instanceId": instance, "instanceOSUser": "ec2-user"}))
                .with_response(json!({"requestId": ids::uuid(rng), "success": true}))
        }
        "DescribeAutoScalingGroups" => Payload::request(match rng.random_range(0..2) {
            0 => json!({"maxRecords": 100}),
            _ => {
                json!({"autoScalingGroupNames": [format!("{}-{}-asg", estate.env, pick(rng, &estate.workloads))]})
            }
        }),
        "DescribeAutoScalingInstances" => Payload::request(json!({"instanceIds": [instance]})),
        "SetDesiredCapacity" => Payload::request(json!({
            "autoScalingGroupName": format!("{}-{}-asg", estate.env, pick(rng, &estate.workloads)),
            "desiredCapacity": rng.random_range(2..9),
            "honorCooldown": false,
        })),
        "DescribeTargetHealth" | "DescribeTargetGroupAttributes" => {
            Payload::request(json!({"targetGroupArn": target_group(ctx, rng)}))
        }
        "RegisterTargets" | "DeregisterTargets" => Payload::request(json!({
            "targetGroupArn": target_group(ctx, rng),
            "targets": [{"id": format!("10.{}.{}.{}", rng.random_range(0..32), rng.random_range(0..256), rng.random_range(4..250)), "port": 8080}],
        })),
        "DescribeLoadBalancers" | "DescribeTargetGroups" => {
            Payload::request(json!({"pageSize": 400}))
        }
        "ListFunctions20150331" => {
            Payload::request(json!({"functionVersion": "ALL", "maxItems": 50}))
        }
        "GetFunction20150331v2"
        | "GetFunctionConfiguration20150331v2"
        | "GetPolicy20150331v2"
        | "ListVersionsByFunction20150331"
        | "ListAliases20150331"
        | "GetFunctionCodeSigningConfig" => {
            Payload::request(json!({"functionName": pick(rng, &estate.functions)}))
        }
        "ListTags20170331" => Payload::request(json!({
            "resource": format!("arn:aws:lambda:{region}:{account}:function:{}", pick(rng, &estate.functions)),
        })),
        "UpdateFunctionCode20150331v2" => {
            let function = pick(rng, &estate.functions);
            Payload::request(json!({
                "functionName": function,
                "s3Bucket": format!("{}-{}-artifacts-{account}", estate.company, estate.env),
                "s3Key": format!("lambda/{function}/{}.zip", ids::hex(rng, 40)),
                "publish": false,
                "dryRun": false,
            }))
            .with_response(json!({
                "functionName": function,
                "functionArn": format!("arn:aws:lambda:{region}:{account}:function:{function}"),
                "runtime": "python3.12",
                "handler": "app.handler",
                "codeSize": rng.random_range(20_000..9_000_000),
                "lastModified": time::lambda_date(ctx.time),
                "codeSha256": ids::base64(rng, 43) + "=",
                "version": "$LATEST",
                "state": "Active",
                "lastUpdateStatus": "InProgress",
            }))
        }
        "GetAuthorizationToken" => Payload::default(),
        "BatchGetImage" => Payload::request(json!({
            "repositoryName": pick(rng, &estate.repositories),
            "registryId": account,
            "imageIds": [{"imageTag": format!("v1.{}.{}", rng.random_range(0..40), rng.random_range(0..10))}],
            "acceptedMediaTypes": ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"],
        })),
        "GetDownloadUrlForLayer" => Payload::request(json!({
            "repositoryName": pick(rng, &estate.repositories),
            "registryId": account,
            "layerDigest": format!("sha256:{}", ids::hex(rng, 64)),
        })),
        "DiscoverPollEndpoint" => Payload::request(json!({
            "containerInstance": format!("arn:aws:ecs:{region}:{account}:container-instance/{}/{}", estate.ecs_cluster, ids::hex(rng, 32)),
            "cluster": estate.ecs_cluster,
        })),
        "SubmitTaskStateChange" => Payload::request(json!({
            "cluster": estate.ecs_cluster,
            "task": task_arn(ctx, rng),
            "status": "RUNNING",
            "pullStartedAt": time::stamp_second(ctx.time - 40),
            "pullStoppedAt": time::stamp_second(ctx.time - 12),
        })),
        "DescribeServices" => Payload::request(json!({
            "cluster": estate.ecs_cluster,
            "services": [format!("{}-{}", estate.env, pick(rng, &estate.workloads))],
        })),
        "DescribeTasks" => {
            Payload::request(json!({"cluster": estate.ecs_cluster, "tasks": [task_arn(ctx, rng)]}))
        }
        "ListTasks" => Payload::request(json!({
            "cluster": estate.ecs_cluster,
            "serviceName": format!("{}-{}", estate.env, pick(rng, &estate.workloads)),
        })),
        "DescribeTaskDefinition" => Payload::request(json!({
            "taskDefinition": format!("{}-{}:{}", estate.env, pick(rng, &estate.workloads), rng.random_range(3..140)),
        })),
        "DescribeCluster" | "ListNodegroups" | "ListAddons" => {
            Payload::request(json!({"name": estate.eks_cluster}))
        }
        "DescribeNodegroup" => Payload::request(
            json!({"name": estate.eks_cluster, "nodegroupName": "general-purpose"}),
        ),
        _ => return None,
    };
    Some(payload)
}

/// Agents on an instance ask about their own instance.
fn own_instance(ctx: &CallContext) -> Option<String> {
    ctx.actor
        .on_instance
        .then(|| {
            ctx.actor
                .arn
                .as_deref()
                .and_then(|a| a.rsplit('/').next())
                .map(str::to_owned)
        })
        .flatten()
}

fn target_group(ctx: &CallContext, rng: &mut impl Rng) -> String {
    let estate = ctx.estate();
    format!(
        "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{}-{}/{}",
        ctx.region,
        estate.account_id,
        estate.env,
        pick(rng, &estate.workloads),
        ids::hex(rng, 16)
    )
}

fn task_arn(ctx: &CallContext, rng: &mut impl Rng) -> String {
    let estate = ctx.estate();
    format!(
        "arn:aws:ecs:{}:{}:task/{}/{}",
        ctx.region,
        estate.account_id,
        estate.ecs_cluster,
        ids::hex(rng, 32)
    )
}

/// `RunInstances` as the EC2 API logs it, request and the (abridged) reservation.
pub fn run_instances(
    ctx: &CallContext,
    image: &str,
    instance_type: &str,
    rng: &mut impl Rng,
) -> Payload {
    let instance_id = ids::resource_id(rng, "i-");
    let private_ip = format!(
        "10.{}.{}.{}",
        rng.random_range(0..32),
        rng.random_range(0..256),
        rng.random_range(4..250)
    );
    let zone = ctx.availability_zone(rng);
    let subnet = ids::resource_id(rng, "subnet-");
    let vpc = ids::resource_id(rng, "vpc-");
    Payload::request(json!({
        "instancesSet": items(vec![json!({"imageId": image, "minCount": 1, "maxCount": 1})]),
        "instanceType": instance_type,
        "blockDeviceMapping": {},
        "monitoring": {"enabled": false},
        "disableApiTermination": false,
        "disableApiStop": false,
        "clientToken": ids::uuid(rng),
        "subnetId": subnet,
        "tagSpecificationSet": items(vec![json!({"resourceType": "instance", "tags": [{"key": "Name", "value": "worker"}]})]),
    }))
    .with_response(json!({
        "requestId": ids::uuid(rng),
        "reservationId": ids::resource_id(rng, "r-"),
        "ownerId": ctx.account(),
        "groupSet": {},
        "instancesSet": items(vec![json!({
            "instanceId": instance_id,
            "imageId": image,
            "currentInstanceBootMode": "legacy-bios",
            "instanceState": {"code": 0, "name": "pending"},
            "privateDnsName": format!("ip-{}.{}.compute.internal", private_ip.replace('.', "-"), ctx.region),
            "amiLaunchIndex": 0,
            "productCodes": {},
            "instanceType": instance_type,
            "launchTime": ctx.time * 1000,
            "placement": {"availabilityZone": zone, "tenancy": "default"},
            "monitoring": {"state": "disabled"},
            "subnetId": subnet,
            "vpcId": vpc,
            "privateIpAddress": private_ip,
            "stateReason": {"code": "pending", "message": "pending"},
            "architecture": "x86_64",
            "rootDeviceType": "ebs",
            "rootDeviceName": "/dev/xvda",
            "hypervisor": "xen",
            "ebsOptimized": false,
            "enaSupport": true,
        })]),
    }))
}

/// `AuthorizeSecurityGroupIngress` of one TCP port from one IPv4 range.
pub fn authorize_ingress(
    ctx: &CallContext,
    group: &str,
    cidr: &str,
    port: u16,
    rng: &mut impl Rng,
) -> Payload {
    let request_id = ids::uuid(rng);
    Payload::request(json!({
        "groupId": group,
        "ipPermissions": items(vec![json!({
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "groups": {},
            "ipRanges": items(vec![json!({"cidrIp": cidr})]),
            "ipv6Ranges": {},
            "prefixListIds": {},
        })]),
    }))
    .with_response(json!({
        "requestId": request_id,
        "_return": true,
        "securityGroupRuleSet": items(vec![json!({
            "groupOwnerId": ctx.account(),
            "groupId": group,
            "securityGroupRuleId": ids::resource_id(rng, "sgr-"),
            "isEgress": false,
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "cidrIpv4": cidr,
        })]),
    }))
}

/// The resources entry EC2 calls on an instance carry.
pub fn instance_resource(ctx: &CallContext, instance: &str) -> Value {
    resource(
        "AWS::EC2::Instance",
        format!(
            "arn:aws:ec2:{}:{}:instance/{instance}",
            ctx.region,
            ctx.account()
        ),
        ctx.account(),
    )
}
