"""Compliant and non-compliant cases of the aws-registry rules."""

from __future__ import annotations

from ._common import Case, Res, StackCase, allow, doc

KYVERNO = Res(
    "kubernetes:kyverno.io/v1:ClusterPolicy",
    "signatures",
    {
        "spec": {
            "rules": [
                {
                    "verifyImages": [
                        {
                            "imageReferences": ["123456789012.dkr.ecr.eu-west-3.amazonaws.com/*"],
                            "attestors": [{"entries": [{"keys": {"publicKeys": "PEM"}}]}],
                        }
                    ]
                }
            ]
        }
    },
)


ECR = "aws:ecr/repository:Repository"


ECR_REPO = Res(ECR, "payments-api-repo", {"name": "payments/payments-api"})


IMAGE = "123456789012.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0@sha256:" + "7e" * 32
TENANTS = {"matchExpressions": [{"key": "tenant", "operator": "Exists"}, {"key": "tenant", "operator": "NotIn", "values": ["shared"]}]}
DB_MANAGER = {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["db-manager"]}]}


def admission(*selectors: dict, cosign_alias: str = "alias/acme-dev-cosign", sbom: bool = True) -> list[Res]:
    """A platform workload running a registry image in db-manager, the signature rule over ``selectors``."""
    attestors = [{"entries": [{"keys": {"publicKeys": "PEM"}}]}]
    verify: dict = {"imageReferences": ["123456789012.dkr.ecr.eu-west-3.amazonaws.com/*"], "attestors": attestors}
    if sbom:
        verify["attestations"] = [{"type": "https://spdx.dev/Document", "attestors": attestors}]
    rule = {
        "name": "verify-signature",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "namespaceSelector": s}} for s in selectors]},
        "verifyImages": [verify],
    }
    pod = {"containers": [{"name": "pgbouncer", "image": IMAGE}]}
    return [
        Res("kubernetes:core/v1:Namespace", "db-manager-ns", {"metadata": {"name": "db-manager", "labels": {"tenant": "shared"}}}),
        Res("kubernetes:kyverno.io/v1:ClusterPolicy", "signatures", {"spec": {"rules": [rule]}}),
        Res(
            "kubernetes:apps/v1:Deployment",
            "pgbouncer",
            {"metadata": {"name": "pgbouncer", "namespace": "db-manager"}, "spec": {"template": {"spec": pod}}},
        ),
        Res("aws:kms/alias:Alias", "cosign-alias", {"name": "alias/acme-dev-cosign"}),
        Res(
            "github:index/actionsVariable:ActionsVariable",
            "db-manager-cosign",
            {
                "repository": "db-manager",
                "variableName": "COSIGN_KMS_KEY_ARN",
                "value": f"arn:aws:kms:eu-west-3:123456789012:{cosign_alias}",
            },
        ),
    ]


RESOURCE_CASES: dict[str, Case] = {
    "ecr-tag-immutability": Case(ECR, {"imageTagMutability": "IMMUTABLE"}, {}),
    "ecr-scan-on-push": Case(
        ECR, {"imageScanningConfiguration": {"scanOnPush": True}}, {"imageScanningConfiguration": {"scanOnPush": False}}
    ),
    "ecr-kms-encryption": Case(
        ECR,
        {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:k"}]},
        {"encryptionConfigurations": [{"encryptionType": "AES256"}]},
    ),
    "ecr-no-open-policy": Case(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        {"policy": doc(allow("ecr:BatchGetImage", Principal={"AWS": "arn:aws:iam::1:role/ci"}))},
        {"policy": doc(allow("ecr:BatchGetImage", Principal="*"))},
    ),
}


STACK_CASES: dict[str, StackCase] = {
    "ecr-signature-admission": StackCase([ECR_REPO, KYVERNO], [ECR_REPO], "payments-api-repo"),
    "image-admission-complete": StackCase(
        admission(TENANTS, DB_MANAGER),
        admission(TENANTS),  # the pooler's namespace outside the signature check (#26)
        "pgbouncer",
        more_bad=(
            (admission(TENANTS, DB_MANAGER, cosign_alias="alias/someone-elses"), "db-manager-cosign"),
            # An image without its signed SBOM must be refused at admission (#26).
            (admission(TENANTS, DB_MANAGER, sbom=False), "signatures"),
        ),
    ),
    "ecr-lifecycle-policy": StackCase(
        [ECR_REPO, Res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", {"repository": "payments/payments-api"})],
        [ECR_REPO],
        "payments-api-repo",
    ),
}
