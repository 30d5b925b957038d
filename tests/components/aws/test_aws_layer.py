"""The AWS layer under mocks: the security-relevant properties per environment, and every IAM
document the program produces linted by a real IAM linter (parliament)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from parliament import analyze_policy_string

from blueprint.engine.mocks import Registration
from components.aws import iam_documents
from components.aws.network import nat_gateway_count, subnet_plan
from tests.conftest import as_document, by_type, plan_registrations, project_values

#: One AWS account per environment (ADR-0018), as the stack files pin them.
ACCOUNTS = {"dev": "123456789012", "staging": "345678901234", "prod": "210987654321"}

#: Findings that stop a document. parliament's own HIGH/CRITICAL levels, plus the typo detectors.
ERROR_ISSUES = {"UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_OPERATOR", "MALFORMED", "MALFORMED_JSON", "INVALID_ARN", "DUPLICATE_SID"}
#: parliament has no trust-policy mode: it wants a Resource (trust policies have none) and does not
#: know OIDC providers. These two findings are false positives on trust policies only.
TRUST_FALSE_POSITIVES = {"MALFORMED", "UNKNOWN_FEDERATION_SOURCE"}


def errors(document: str, trust: bool = False) -> list[tuple[str, str]]:
    found = analyze_policy_string(document, include_community_auditors=True).findings
    ignored = TRUST_FALSE_POSITIVES if trust else set()
    return [
        (f.issue, str(f.detail))
        for f in found
        if (f.issue in ERROR_ISSUES or f.severity in ("HIGH", "CRITICAL")) and f.issue not in ignored
    ]


def documents(plan: list[Registration]) -> list[tuple[str, str, bool]]:
    """(resource, JSON document, is trust policy) for every policy document in a plan."""
    found = []
    for r in plan:
        if r.type == "aws:iam/role:Role":
            found.append((r.name, r.inputs["assumeRolePolicy"], True))
        elif r.type in (
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/policy:Policy",
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:kms/key:Key",
        ) and r.inputs.get("policy"):
            found.append((r.name, r.inputs["policy"], False))
    return found


def test_every_policy_document_passes_parliament(plan: list[Registration]) -> None:
    docs = documents(plan)
    assert sum(1 for _, _, trust in docs if trust) >= 10 and sum(1 for _, _, trust in docs if not trust) >= 15
    for name, document, trust in docs:
        assert errors(document, trust) == [], name


def test_the_linter_catches_a_typo() -> None:
    """Negative control: the gate above is not vacuous."""
    broken = json.dumps(iam_documents.document({"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"}))
    assert "UNKNOWN_ACTION" in {issue for issue, _ in errors(broken)}


def test_every_document_comes_from_a_pure_function(stack_plans: dict[str, list[Registration]]) -> None:
    flow = next(r for r in by_type(stack_plans["dev"], "aws:iam/rolePolicy:RolePolicy") if r.name == "network-flow-logs")
    log_group = next(r for r in by_type(stack_plans["dev"], "aws:cloudwatch/logGroup:LogGroup") if r.name == "network-flow-logs")
    arn = f"arn:aws:logs:eu-west-3:123456789012:log-group:{log_group.inputs['name']}"
    assert json.loads(flow.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [arn, f"{arn}:*"],
            }
        ],
    }


@pytest.mark.parametrize(("stack", "nats"), [("dev", 1), ("prod", 3)])
def test_nat_gateways(stack_plans: dict[str, list[Registration]], stack: str, nats: int) -> None:
    plan = stack_plans[stack]
    assert len(by_type(plan, "aws:ec2/natGateway:NatGateway")) == nats
    private_routes = [r for r in by_type(plan, "aws:ec2/route:Route") if "private" in r.name]
    assert len({r.inputs["natGatewayId"] for r in private_routes}) == nats
    assert nat_gateway_count("single", 3) == 1 and nat_gateway_count("perAz", 3) == 3


def test_subnets_never_overlap_and_stay_stable() -> None:
    plan3, plan4 = subnet_plan("10.0.0.0/16", 3), subnet_plan("10.0.0.0/16", 4)
    # Private /20s from the bottom of the VPC, public /20s from its upper half.
    assert [(p.private_cidr, p.public_cidr) for p in plan3] == [
        ("10.0.0.0/20", "10.0.128.0/20"),
        ("10.0.16.0/20", "10.0.144.0/20"),
        ("10.0.32.0/20", "10.0.160.0/20"),
    ]
    cidrs = [c for p in plan4 for c in (p.public_cidr, p.private_cidr)]
    assert len(set(cidrs)) == len(cidrs)
    assert plan4[:3] == plan3


def cluster(plan: list[Registration]) -> dict[str, Any]:
    return by_type(plan, "aws:eks/cluster:Cluster")[0].inputs


def test_eks_endpoint_encryption_and_logs(stack_plans: dict[str, list[Registration]]) -> None:
    dev, prod = cluster(stack_plans["dev"]), cluster(stack_plans["prod"])
    assert prod["vpcConfig"]["endpointPublicAccess"] is False and "publicAccessCidrs" not in prod["vpcConfig"]
    assert dev["vpcConfig"]["endpointPublicAccess"] is True and dev["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    for c in (dev, prod):
        assert c["vpcConfig"]["endpointPrivateAccess"] is True
        assert c["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
        assert c["encryptionConfig"]["resources"] == ["secrets"] and c["encryptionConfig"]["provider"]["keyArn"]
        assert c["accessConfig"]["authenticationMode"] == "API"


def test_nodes_launch_from_a_hardened_template(plan: list[Registration]) -> None:
    template = by_type(plan, "aws:ec2/launchTemplate:LaunchTemplate")[0].inputs
    node_group = by_type(plan, "aws:eks/nodeGroup:NodeGroup")[0].inputs
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    assert {s["resourceType"] for s in template["tagSpecifications"]} == {"instance", "volume"}
    assert node_group["launchTemplate"]["id"]


# dev holds a pci tenant's evidence: a year (PCI DSS 10.5.1, #28 item 6), prod seven.
@pytest.mark.parametrize(("stack", "days"), [("dev", 365), ("prod", 2555)])
def test_audit_ledger_is_locked_in_compliance_mode(stack_plans: dict[str, list[Registration]], stack: str, days: int) -> None:
    plan = stack_plans[stack]
    bucket = next(b for b in by_type(plan, "aws:s3/bucket:Bucket") if b.name == "audit-ledger-bucket")
    lock = by_type(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0].inputs
    assert bucket.inputs["objectLockEnabled"] is True
    assert lock["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": days}
    trail = by_type(plan, "aws:cloudtrail/trail:Trail")[0].inputs
    assert trail["s3BucketName"] == bucket.inputs["bucket"] and trail["enableLogFileValidation"] is True
    policy = json.loads(by_type(plan, "aws:s3/bucketPolicy:BucketPolicy")[0].inputs["policy"])
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy["Statement"])


def trust_subjects(role: Registration) -> list[str]:
    statement = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    subjects = statement["Condition"]["StringEquals"][next(k for k in statement["Condition"]["StringEquals"] if k.endswith(":sub"))]
    return subjects if isinstance(subjects, list) else [subjects]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_ci_trust_is_bound_to_one_repository_and_branch_or_environment(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    roles = {r.name: r for r in by_type(stack_plans[stack], "aws:iam/role:Role")}
    assert trust_subjects(roles["ci-identity-deploy"]) == [f"repo:fintech-blueprint/infra:environment:{stack}"]
    assert trust_subjects(roles["ci-identity-preview"]) == ["repo:fintech-blueprint/infra:pull_request"]
    # Gate 1 on main, and the promotion's jobs in this stack's GitHub environment (#26).
    assert trust_subjects(roles["payments-payments-api-ci"]) == [
        "repo:fintech-blueprint/payments-payments-api:ref:refs/heads/main",
        f"repo:fintech-blueprint/payments-payments-api:environment:{stack}",
    ]
    workload = json.loads(roles["payments-payments-api-workload"].inputs["assumeRolePolicy"])["Statement"][0]
    assert workload["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert workload["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": ACCOUNTS[stack],
            "aws:RequestTag/kubernetes-namespace": "payments",
            "aws:RequestTag/kubernetes-service-account": "payments-api",
        },
        "ArnEquals": {"aws:SourceArn": f"arn:aws:eks:eu-west-3:{ACCOUNTS[stack]}:cluster/fintech-blueprint-{stack}"},
    }
    for role in roles.values():
        for subject in (s for s in json.dumps(json.loads(role.inputs["assumeRolePolicy"])).split('"') if s.startswith("repo:")):
            assert "*" not in subject
    assert by_type(stack_plans[stack], "aws:iam/accessKey:AccessKey") == []


STATEFUL = (
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:rds/cluster:Cluster",
    "aws:dynamodb/table:Table",
    "aws:ecr/repository:Repository",
    "aws:sqs/queue:Queue",
    # #15 item 6: what holds history, and what deleting would take everything with it.
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudtrail/trail:Trail",
    "aws:eks/cluster:Cluster",
    # #15 item 4: the recovery points of the database and the ledger.
    "aws:backup/vault:Vault",
    "vault:index/mount:Mount",
    "vault:kv/secretV2:SecretV2",
)


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_stateful_resources_are_protected_and_retained_in_prod(
    stack_plans: dict[str, list[Registration]], stack: str, protected: bool
) -> None:
    namespaces = [r for r in stack_plans[stack] if r.type == "kubernetes:core/v1:Namespace"]
    stateful = [r for r in stack_plans[stack] if r.type in STATEFUL] + namespaces
    # 26 data stores (a data bucket per tenant, payments' erasure queue and DLQ), 6 log groups (and
    # PostgreSQL's), the trail, the cluster, 2 mounts, 2 KV seeds, and every namespace: 2 tenants' and
    # the platform's (#28 item 9: observability holds the metrics history, db-manager the pooler's
    # secrets; logging, Fluent Bit's; cluster-autoscaler; chaos-mesh in dev); in dev, payments' WAF log group (its edge);
    # the copies in the second region (#30 item 6): their vault, the multi-region key and its replica.
    assert len(stateful) == {"dev": 47, "prod": 46}[stack] + len(namespaces) and len(namespaces) == {"dev": 12, "prod": 11}[stack]
    for r in stateful:
        assert r.options["protect"] is protected and r.options["retainOnDelete"] is protected, r.urn


def test_budgets_per_tenant_and_shared_with_both_alerts(plan: list[Registration]) -> None:
    budgets = by_type(plan, "aws:budgets/budget:Budget")
    filters = sorted(b.inputs["costFilters"][0]["values"][0] for b in budgets)
    assert filters == ["user:tenant$fraud", "user:tenant$payments", "user:tenant$shared"]
    for b in budgets:
        assert {n["notificationType"] for n in b.inputs["notifications"]} == {"ACTUAL", "FORECASTED"}
    payments = next(b for b in budgets if b.inputs["costFilters"][0]["values"] == ["user:tenant$payments"])
    assert payments.inputs["notifications"][0]["subscriberEmailAddresses"] == ["payments-team@fintech-blueprint.example"]
    # Activation is a later, explicit step (AWS refuses keys not yet in billing data): not on day one.
    assert by_type(plan, "aws:costexplorer/costAllocationTag:CostAllocationTag") == []


@pytest.mark.plan
def test_cost_allocation_tags_are_activated_only_when_asked(write_stack: Callable[..., Path]) -> None:
    values = project_values()
    values["finops"] = {**values["finops"], "activateCostAllocationTags": True}
    activated = plan_registrations(write_stack(as_document(values)), "dev")
    keys = {t.inputs["tagKey"] for t in by_type(activated, "aws:costexplorer/costAllocationTag:CostAllocationTag")}
    assert keys == {"environment", "tenant", "owner", "cost-center", "managed-by"}


def test_signing_key_is_asymmetric_and_registries_are_signed(plan: list[Registration]) -> None:
    signing = next(r for r in by_type(plan, "aws:kms/key:Key") if r.name.endswith("signing"))
    assert signing.inputs["customerMasterKeySpec"] == "ECC_NIST_P256" and signing.inputs["keyUsage"] == "SIGN_VERIFY"
    repos = by_type(plan, "aws:ecr/repository:Repository")
    assert {r.inputs["name"] for r in repos} >= {"platform/concierge", "payments/payments-api", "fraud/fraud-scoring"}
    assert all(r.inputs["imageTagMutability"] == "IMMUTABLE" for r in repos)


def test_mlops_is_activated_per_tenant(plan: list[Registration]) -> None:
    registries = [r for r in by_type(plan, "fintech:aws:TenantMlops")]
    assert [r.name for r in registries] == ["fraud"]  # only fraud declares layers: [mlops]
    bucket = next(b for b in by_type(plan, "aws:s3/bucket:Bucket") if b.name == "fraud-models")
    assert bucket.inputs["objectLockEnabled"] is True and bucket.inputs["tags"]["tenant"] == "fraud"
    lock = next(
        b for b in by_type(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") if b.name == "fraud-models-lock"
    )
    assert lock.inputs["rule"]["defaultRetention"]["mode"] == "COMPLIANCE"
    assert "fraud/models" in {r.inputs["name"] for r in by_type(plan, "aws:ecr/repository:Repository")}
    readers = [r for r in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.name.startswith("fraud-model-reader")]
    assert len(readers) == 1 and json.loads(readers[0].inputs["policy"])["Statement"][0]["Action"] == [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
    ]


def test_cloudtrail_can_use_the_data_key_and_named_roles_exist_first(plan: list[Registration]) -> None:
    data = next(r for r in by_type(plan, "aws:kms/key:Key") if r.name == "platform-keys-data")
    statements = json.loads(data.inputs["policy"])["Statement"]
    trail = [s for s in statements if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    describe = [s for s in trail if "kms:DescribeKey" in json.dumps(s["Action"])]
    # DescribeKey carries no encryption context, so no statement allowing it may require one.
    assert describe and all("EncryptionContext" not in json.dumps(s.get("Condition", {})) for s in describe)
    assert any(s["Action"] == "kms:Decrypt" for s in trail)  # the ledger bucket uses a Bucket Key
    named = {p for s in statements for p in json.dumps(s["Principal"]).split('"') if ":role/aws-service-role/" in p}
    (role,) = by_type(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    account = json.loads(data.inputs["policy"])["Statement"][0]["Principal"]["AWS"].split(":")[4]
    assert account in ACCOUNTS.values()
    assert named == {f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"}
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com" and role.urn in data.dependencies


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_roles_that_apply_and_preview_can_reach_the_cluster(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    """Authentication mode API gives the creator no bootstrap admin: the deploy role (which applies every
    Kubernetes object) needs an access entry with admin, the preview role one with view."""
    plan = stack_plans[stack]
    cluster = by_type(plan, "aws:eks/cluster:Cluster")[0]
    assert cluster.inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    roles = {r.urn: r.name for r in by_type(plan, "aws:iam/role:Role")}
    entries = {r.name: r for r in by_type(plan, "aws:eks/accessEntry:AccessEntry")}
    policies = {
        r.name: r.inputs["policyArn"].rsplit("/", 1)[-1] for r in by_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    assert {name: policy for name, policy in policies.items() if not name.startswith("cluster-admin-")} == {
        "cluster-deploy": "AmazonEKSClusterAdminPolicy",
        "cluster-preview": "AmazonEKSViewPolicy",
    }
    for label, role in (("cluster-deploy", "ci-identity-deploy"), ("cluster-preview", "ci-identity-preview")):
        assert [roles[u] for u in entries[label].property_dependencies["principalArn"]] == [role]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_keda_reads_queue_depth_with_its_own_identity_and_nothing_more(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    """A worker's scaler authenticates as KEDA's operator (identityOwner: keda), whose role may read the
    attributes of this stack's tenant outbox queues only: every worker queue matches, no DLQ does."""
    from fnmatch import fnmatch

    plan = stack_plans[stack]
    (association,) = [r for r in by_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation") if r.inputs["namespace"] == "keda"]
    assert association.inputs["serviceAccount"] == "keda-operator"
    policy = json.loads(
        next(r for r in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.name == "keda-operator-queue-depth").inputs["policy"]
    )
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["sqs:GetQueueAttributes"]
    queues = {q.inputs["name"]: f"arn:aws:sqs:eu-west-3:{ACCOUNTS[stack]}:{q.inputs['name']}" for q in by_type(plan, "aws:sqs/queue:Queue")}
    assert {n for n, arn in queues.items() if fnmatch(arn, statement["Resource"])} == {n for n in queues if n.endswith("-outbox")}
    auths = [r for r in by_type(plan, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication")]
    assert auths and all(a.inputs["spec"]["podIdentity"] == {"provider": "aws", "identityOwner": "keda"} for a in auths)


PROD_ACCOUNT = "210987654321"


def test_the_trail_feeds_the_cis_alarms_and_records_object_access(stack_plans: dict[str, list[Registration]]) -> None:
    """#15 item 1: CloudTrail -> CloudWatch Logs -> CIS 4.1-4.15 filters and alarms -> the security address;
    S3 data events on the stack's buckets (reads only on the ledger, whose writes are the trail's own)."""
    plan = stack_plans["prod"]
    [trail] = by_type(plan, "aws:cloudtrail/trail:Trail")
    logs = next(r for r in by_type(plan, "aws:cloudwatch/logGroup:LogGroup") if r.name == "audit-ledger-trail-logs")
    assert (
        logs.inputs["name"] == "/aws/cloudtrail/fintech-blueprint-prod-audit" and logs.inputs["retentionInDays"] == 3653
    )  # audit: CloudWatch's longest
    assert trail.property_dependencies["cloudWatchLogsGroupArn"] == [logs.urn] and trail.inputs["cloudWatchLogsGroupArn"].endswith(":*")
    delivery = next(r for r in by_type(plan, "aws:iam/role:Role") if r.name == "audit-ledger-trail-delivery")
    assert json.loads(delivery.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:eu-west-3:{PROD_ACCOUNT}:trail/fintech-blueprint-prod-audit"}
            },
        }
    ]
    ledger = f"arn:aws:s3:::fintech-blueprint-prod-audit-ledger-{PROD_ACCOUNT}/"
    data, reads = trail.inputs["advancedEventSelectors"][1:]
    own = {"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::fintech-blueprint-prod-"], "notStartsWiths": [ledger]}
    assert data["fieldSelectors"][-1] == own
    assert {"field": "readOnly", "equals": ["true"]} in reads["fieldSelectors"]

    filters = by_type(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    alarms = by_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(filters) == len(alarms) == 15
    assert all(f.property_dependencies["logGroupName"] == [logs.urn] for f in filters)
    root = next(f for f in filters if f.inputs["metricTransformation"]["name"] == "RootAccountUsage")
    assert root.inputs["pattern"] == (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
    )
    [topic] = [t for t in by_type(plan, "aws:sns/topic:Topic") if t.inputs["name"].endswith("security-alerts")]
    assert topic.inputs["kmsMasterKeyId"]
    assert all(a.inputs["alarmActions"] == [topic.state["arn"]] and a.inputs["threshold"] == 1 for a in alarms)
    [email] = [
        s for s in by_type(plan, "aws:sns/topicSubscription:TopicSubscription") if s.property_dependencies.get("topic") == [topic.urn]
    ]
    assert (email.inputs["protocol"], email.inputs["endpoint"]) == ("email", "security@fintech-blueprint.example")


def test_every_bucket_logs_access_to_an_sse_s3_destination(stack_plans: dict[str, list[Registration]]) -> None:
    """#15 item 1: server access logs of the ledger and model buckets, into a bucket S3 can deliver to."""
    plan = stack_plans["prod"]
    destination = f"fintech-blueprint-prod-access-logs-{PROD_ACCOUNT}"
    buckets = {r.inputs["bucket"] for r in by_type(plan, "aws:s3/bucket:Bucket")}
    logged = {r.inputs["bucket"]: r.inputs for r in by_type(plan, "aws:s3/bucketLogging:BucketLogging")}
    assert (
        set(logged)
        == buckets - {destination}
        == {
            f"fintech-blueprint-prod-audit-ledger-{PROD_ACCOUNT}",
            f"fintech-blueprint-prod-fraud-models-{PROD_ACCOUNT}",
            f"fintech-blueprint-prod-billing-{PROD_ACCOUNT}",  # #18: the FOCUS export's bucket
            f"fintech-blueprint-prod-payments-data-{PROD_ACCOUNT}",  # #16: a data bucket per tenant
            f"fintech-blueprint-prod-fraud-data-{PROD_ACCOUNT}",
        }
    )
    assert all(v["targetBucket"] == destination and v["targetPrefix"] == f"{b}/" for b, v in logged.items())
    encryption = next(r for r in by_type(plan, SSE_CONFIG) if r.inputs["bucket"] == destination)
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    expiry = next(
        r for r in by_type(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration") if r.inputs["bucket"] == destination
    )
    assert expiry.inputs["rules"][0]["expiration"] == {"days": 1825}  # confidential (ADR-0005)
    policy = json.loads(
        next(r for r in by_type(plan, "aws:s3/bucketPolicy:BucketPolicy") if r.inputs["bucket"] == destination).inputs["policy"]
    )
    write = policy["Statement"][0]
    assert write["Principal"] == {"Service": "logging.s3.amazonaws.com"} and write["Action"] == "s3:PutObject"
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceAccount": PROD_ACCOUNT},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::fintech-blueprint-prod-*"},
    }


SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


@pytest.mark.parametrize(("stack", "monitored"), [("dev", False), ("prod", True)])
def test_the_database_forces_tls_audits_and_is_monitored_in_prod(
    stack_plans: dict[str, list[Registration]], stack: str, monitored: bool
) -> None:
    """#15 item 4: a parameter group with forced TLS, connection logging and pgaudit; Performance
    Insights (KMS) and enhanced monitoring where the stack asks (prod)."""
    plan = stack_plans[stack]
    [group] = by_type(plan, "aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert group.inputs["family"] == "aurora-postgresql16" and group.inputs["name"] == f"fintech-blueprint-{stack}-aurora-pg16"
    assert {p["name"]: p["value"] for p in group.inputs["parameters"]} == {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
        "shared_preload_libraries": "pg_stat_statements,pgaudit",
        "pgaudit.log": "ddl,role",
        # #27 item 6: object audit of what is granted to rds_pgaudit, slow statements, never parameters.
        "pgaudit.role": "rds_pgaudit",
        "pgaudit.log_parameter": "0",
        "log_min_duration_statement": "1000",
        "log_parameter_max_length": "0",
        "log_parameter_max_length_on_error": "0",
    }
    [cluster] = by_type(plan, "aws:rds/cluster:Cluster")
    assert cluster.property_dependencies["dbClusterParameterGroupName"] == [group.urn]
    for instance in by_type(plan, "aws:rds/clusterInstance:ClusterInstance"):
        assert instance.inputs.get("performanceInsightsEnabled", False) is monitored
        assert instance.inputs.get("monitoringInterval", 0) == (60 if monitored else 0)
        if monitored:
            assert instance.inputs["performanceInsightsKmsKeyId"] == cluster.inputs["kmsKeyId"]
    roles = [r for r in by_type(plan, "aws:iam/role:Role") if r.name == "db-manager-monitoring"]
    assert len(roles) == int(monitored)


def test_kyverno_has_its_own_identity_to_read_the_registry(stack_plans: dict[str, list[Registration]]) -> None:
    """#26: Kyverno verifies signatures in the private registry with its own Pod Identity (the node role
    is out of a pod's reach), read-only on this account's repositories; the verify rule asks for it."""
    for stack, plan in stack_plans.items():
        (association,) = [
            a.inputs for a in by_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation") if a.inputs["namespace"] == "kyverno"
        ]
        assert association["serviceAccount"] == "kyverno-admission-controller"
        (policy,) = [p for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.name == "kyverno-admission-registry-read"]
        statements = json.loads(policy.inputs["policy"])["Statement"]
        actions = {a for s in statements for a in s["Action"]}
        assert not any(a.startswith(("ecr:Put", "ecr:Upload", "ecr:Delete", "ecr:Initiate", "ecr:Complete")) for a in actions)
        scoped = [s for s in statements if s["Resource"] != "*"]
        assert scoped and all(s["Resource"] == f"arn:aws:ecr:eu-west-3:{ACCOUNTS[stack]}:repository/*" for s in scoped)
        (cluster_policy,) = by_type(plan, "kubernetes:kyverno.io/v1:ClusterPolicy")
        verify = next(r for r in cluster_policy.inputs["spec"]["rules"] if r["name"] == "verify-signature")
        assert verify["verifyImages"][0]["imageRegistryCredentials"] == {"providers": ["amazon"]}
        # An image without its SBOM attestation, signed by the same key, is refused (#26).
        (sbom,) = verify["verifyImages"][0]["attestations"]
        assert sbom["type"] == "https://spdx.dev/Document" and sbom["attestors"] == verify["verifyImages"][0]["attestors"]
        selectors = [m["resources"]["namespaceSelector"] for m in verify["match"]["any"]]
        assert {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["db-manager"]} in [
            e for s in selectors for e in s["matchExpressions"]
        ]


def test_a_publisher_appends_deployment_records_under_its_own_prefix_only(stack_plans: dict[str, list[Registration]]) -> None:
    """#26 item 6: a service repository's publisher role may write its deployment records, under
    deployments/<its repository>/ of this stack's ledger, and nothing else there; the promotion job
    assumes it from the stack's GitHub environment (its OIDC subject names the environment)."""
    from components.aws.audit_ledger import ledger_bucket_name
    from tests.components.aws.iam_simulator import Request, decide

    for stack, plan in stack_plans.items():
        role = next(r for r in by_type(plan, "aws:iam/role:Role") if str(r.inputs.get("name", "")).endswith("-ci-payments-payments-api"))
        subjects = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"][
            "token.actions.githubusercontent.com:sub"
        ]
        assert subjects == [
            "repo:fintech-blueprint/payments-payments-api:ref:refs/heads/main",
            f"repo:fintech-blueprint/payments-payments-api:environment:{stack}",
        ]
        policy = next(p for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.name == role.name)
        documents = [json.loads(policy.inputs["policy"])]
        ledger = f"arn:aws:s3:::{ledger_bucket_name(f'fintech-blueprint-{stack}', ACCOUNTS[stack])}"
        own = f"{ledger}/deployments/payments-payments-api/{stack}/20261207T060000Z-3f3f3f3f3f3f.json"
        assert decide(documents, Request("s3:PutObject", own)) == "allow"
        for action, arn in (
            ("s3:PutObject", f"{ledger}/deployments/fraud-fraud-scoring/{stack}/x.json"),
            ("s3:PutObject", f"{ledger}/evidence/erasure/payments/x.json"),
            ("s3:GetObject", own),
            ("s3:DeleteObject", own),
        ):
            assert decide(documents, Request(action, arn)) != "allow", (stack, action, arn)
