"""Deterministic, realistic values for what a cloud would compute (ids, ARNs, endpoints, AZs).

Shared by the offline plan and the tests: the same name always yields the same value, so two plans
of one config are byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from stacks import regions

ACCOUNT_ID = "123456789012"
PARTITION = "aws"

#: Type-token module -> the ARN service name where they differ.
_ARN_SERVICE = {"cloudwatch": "logs", "cloudtrail": "cloudtrail", "budgets": "budgets", "rds": "rds", "eks": "eks"}
#: Types whose physical-name output is not ``name``.
_NAME_OUTPUT = {"aws:s3/bucket:Bucket": "bucket", "aws:sqs/queue:Queue": "name"}
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:kms/key:Key": "key",
}
#: Types whose id is one of their outputs, as terraform-provider-aws sets it (d.SetId): a role's id
#: is its name, so a RolePolicy's ``role`` input (``role.id``) is that name.
_ID_OUTPUT = {
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "arn",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "arn",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:sqs/queue:Queue": "url",
    "aws:dynamodb/table:Table": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:ecr/repository:Repository": "name",
    "aws:eks/cluster:Cluster": "name",
    "aws:kms/key:Key": "keyId",
    "aws:kms/replicaKey:ReplicaKey": "keyId",
    "aws:kms/alias:Alias": "name",
    "aws:budgets/budget:Budget": "name",
}


#: Types whose id the API makes a number (GitHub's team id: an environment's reviewers name teams by it).
_NUMERIC_ID = {"github:index/team:Team"}


class UnansweredInvoke(Exception):
    """The program called a data source the offline engine cannot answer realistically."""


def pinned_account(provider_inputs: Mapping[str, Any]) -> str | None:
    """The account an AWS provider is pinned to (``allowedAccountIds``; provider settings travel as
    JSON strings on the wire)."""
    ids = provider_inputs.get("allowedAccountIds")
    if isinstance(ids, str):
        try:
            ids = json.loads(ids)
        except json.JSONDecodeError:
            return None
    return str(ids[0]) if isinstance(ids, list) and ids else None


def digest(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:length]


def auto_name(logical: str, type_: str) -> str:
    """Pulumi's auto-naming: logical name plus a suffix (random in real life, hashed here)."""
    return f"{logical}-{digest(type_, logical, length=7)}"


def resource_id(type_: str, name: str, outputs: Mapping[str, Any] | None = None) -> str:
    """The id a provider would give the resource; ``outputs``: its state, for ids that are an output."""
    own = (outputs or {}).get(_ID_OUTPUT.get(type_, ""))
    if isinstance(own, str) and own:
        return own
    if type_ in _NUMERIC_ID:
        return str(int(digest(type_, name, length=7), 16))
    prefix = _ID_PREFIX.get(type_)
    return f"{prefix}-{digest(type_, name, length=17)}" if prefix else f"{name}-{digest(type_, name, length=8)}"


def arn(type_: str, name: str, region: str, path: str = "/", account: str = ACCOUNT_ID) -> str:
    module = type_.split(":")[1].split("/")[0]
    service = _ARN_SERVICE.get(module, module)
    if type_ == "aws:s3/bucket:Bucket":
        return f"arn:{PARTITION}:s3:::{name}"
    if module == "iam":
        kind = type_.split(":")[2].lower()
        return f"arn:{PARTITION}:iam::{account}:{kind}{path}{name}"
    if type_ == "aws:cloudwatch/logGroup:LogGroup":
        return f"arn:{PARTITION}:logs:{region}:{account}:log-group:{name}"
    kind = type_.split(":")[2][0].lower() + type_.split(":")[2][1:]
    return f"arn:{PARTITION}:{service}:{region}:{account}:{kind}/{name}"


def availability_zones(region: str) -> list[str]:
    """The region's zones as AWS lists them (stacks/data/regions.json)."""
    return regions.zones(region)


def certificate_authority(name: str) -> str:
    return base64.b64encode(f"-----BEGIN CERTIFICATE-----\nFAKE-{digest(name)}\n-----END CERTIFICATE-----\n".encode()).decode()


def public_key_der(key_id: str) -> str:
    """A deterministic stand-in for an ECC P-256 SubjectPublicKeyInfo (not a usable key)."""
    prefix = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
    return base64.b64encode(prefix + b"\x04" + hashlib.sha512(key_id.encode()).digest()[:64]).decode()


def public_key_pem(key_id: str) -> str:
    return f"-----BEGIN PUBLIC KEY-----\n{public_key_der(key_id)}\n-----END PUBLIC KEY-----\n"


def computed_outputs(type_: str, name: str, inputs: dict[str, Any], region: str, account: str = ACCOUNT_ID) -> dict[str, Any]:
    """Outputs a provider would add to the inputs (physical names, ARNs, endpoints…)."""
    out: dict[str, Any] = {}
    if type_.startswith("aws:"):
        key = _NAME_OUTPUT.get(type_, "name")
        physical = inputs.get(key) or auto_name(name, type_)
        out[key] = physical
        out["arn"] = arn(type_, str(physical), region, str(inputs.get("path") or "/"), account)
        out["tagsAll"] = inputs.get("tags") or {}
    if type_ == "random:index/randomPassword:RandomPassword":
        # Deterministic, so plans are reproducible; a real provider draws it from a CSPRNG.
        out["result"] = (digest("random-password", name, length=64) * 2)[: int(inputs.get("length") or 16)]
        out["bcryptHash"] = f"$2a$10${digest('bcrypt', name, length=53)}"
    if type_ == "tls:index/privateKey:PrivateKey":
        # Shapes of the real outputs (a deterministic stand-in, never a usable key).
        body = digest("tls-key", name, length=64)
        out["publicKeyOpenssh"] = f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5{body[:44]} \n"
        out["privateKeyOpenssh"] = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
        out["publicKeyFingerprintSha256"] = f"SHA256:{body[:43]}"
    if type_ == "kubernetes:core/v1:Secret" and inputs.get("type") == "kubernetes.io/service-account-token":
        # The token controller fills these in once the secret exists.
        account = ((inputs.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/service-account.name", "")
        token = f"eyJhbGciOiJSUzI1NiJ9.{digest('sa-token', name, length=48)}.{digest('sig', name, length=43)}"
        out["data"] = {"token": base64.b64encode(token.encode()).decode(), "namespace": base64.b64encode(account.encode()).decode()}
    if type_ == "aws:ec2/launchTemplate:LaunchTemplate":
        out |= {"latestVersion": 1, "defaultVersion": 1}
    if type_ == "aws:eks/cluster:Cluster":
        cid = digest(name, length=32).upper()
        out |= {
            "endpoint": f"https://{cid}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthority": {"data": certificate_authority(name)},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{cid}"}]}],
            "clusterSecurityGroupId": resource_id("aws:ec2/securityGroup:SecurityGroup", name),
            "version": inputs.get("version"),
        }
    elif type_ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        out["arn"] = f"arn:{PARTITION}:iam::{account}:oidc-provider/{str(inputs.get('url', '')).removeprefix('https://')}"
    elif type_ == "aws:kms/key:Key":
        out["keyId"] = resource_id(type_, name).removeprefix("key-")
        out["arn"] = f"arn:{PARTITION}:kms:{region}:{account}:key/{out['keyId']}"
    elif type_ == "aws:kms/replicaKey:ReplicaKey":
        # A replica shares its primary's key id (an mrk-…), in its own region.
        primary = str(inputs.get("primaryKeyArn") or "")
        out["keyId"] = primary.rsplit("/", 1)[-1] if "/" in primary else resource_id("aws:kms/key:Key", name).removeprefix("key-")
        out["arn"] = f"arn:{PARTITION}:kms:{region}:{account}:key/{out['keyId']}"
    elif type_ == "aws:ecr/repository:Repository":
        out["repositoryUrl"] = f"{account}.dkr.ecr.{region}.amazonaws.com/{inputs.get('name') or name}"
        out["registryId"] = account
    elif type_ == "aws:sqs/queue:Queue":
        qname = inputs.get("name") or out["name"]
        out["arn"] = f"arn:{PARTITION}:sqs:{region}:{account}:{qname}"
        out["url"] = f"https://sqs.{region}.amazonaws.com/{account}/{qname}"
    elif type_ == "aws:backup/vault:Vault":
        out["arn"] = f"arn:{PARTITION}:backup:{region}:{account}:backup-vault:{out['name']}"
    elif type_ == "aws:backup/plan:Plan":
        plan_id = resource_id(type_, name)
        out |= {"arn": f"arn:{PARTITION}:backup:{region}:{account}:backup-plan:{plan_id}", "version": digest("version", name)}
    elif type_ == "aws:acm/certificate:Certificate":
        # ACM's DNS validation: one CNAME per name of the certificate (its shape, deterministic here).
        names = [inputs.get("domainName") or "", *(inputs.get("subjectAlternativeNames") or [])]
        out["arn"] = f"arn:{PARTITION}:acm:{region}:{account}:certificate/{digest('acm', name, length=8)}-{digest('id', name, length=4)}"
        out["domainValidationOptions"] = [
            {
                "domainName": domain,
                "resourceRecordName": f"_{digest('name', domain, length=32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{digest('value', domain, length=32)}.{digest('acm', domain, length=10)}.acm-validations.aws.",
            }
            for domain in names
            if domain
        ]
    elif type_ == "aws:route53/record:Record":
        out["fqdn"] = str(inputs.get("name") or "").rstrip(".")
    elif type_ == "aws:wafv2/webAcl:WebAcl":
        out["arn"] = f"arn:{PARTITION}:wafv2:{region}:{account}:regional/webacl/{out['name']}/{digest('webacl', name, length=8)}"
    elif type_ == "aws:dynamodb/table:Table":
        out["arn"] = f"arn:{PARTITION}:dynamodb:{region}:{account}:table/{inputs.get('name') or out['name']}"
    elif type_ in ("aws:rds/cluster:Cluster", "aws:rds/proxy:Proxy"):
        ident = inputs.get("clusterIdentifier") or inputs.get("name") or out["name"]
        out["endpoint"] = f"{ident}.{'proxy-' if 'proxy' in type_ else 'cluster-'}{digest(ident, length=12)}.{region}.rds.amazonaws.com"
        out["clusterResourceId"] = f"cluster-{digest(ident, length=26).upper()}"
        if type_ == "aws:rds/cluster:Cluster" and inputs.get("manageMasterUserPassword"):
            out["masterUserSecrets"] = [
                {
                    "secretArn": f"arn:{PARTITION}:secretsmanager:{region}:{account}:secret:rds!{ident}-{digest(ident, length=6)}",
                    "secretStatus": "active",
                    "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                }
            ]
    return out


def invoke(token: str, args: Mapping[str, Any], region: str, account: str = ACCOUNT_ID) -> dict[str, Any]:
    """What a provider answers to a data-source call (camelCase keys, as on the wire)."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "accountId": account,
            "arn": f"arn:aws:iam::{account}:role/offline-plan",
            "userId": "AROAOFFLINEPLAN",
            "id": account,
        }
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {"names": regions.zones(region), "zoneIds": regions.zone_ids(region), "id": region}
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}
    if token == "aws:kms/getPublicKey:getPublicKey":
        key_id = str(args.get("keyId", ""))
        return {
            "id": key_id,
            "keyId": key_id,
            "arn": key_id,
            "keySpec": "ECC_NIST_P256",
            "keyUsage": "SIGN_VERIFY",
            "publicKey": public_key_der(key_id),
            "publicKeyPem": public_key_pem(key_id),
            "signingAlgorithms": ["ECDSA_SHA_256"],
        }
    raise UnansweredInvoke(f"the offline engine has no answer for invoke {token} (args {sorted(args)})")
