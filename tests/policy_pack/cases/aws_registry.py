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
    "ecr-lifecycle-policy": StackCase(
        [ECR_REPO, Res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", {"repository": "payments/payments-api"})],
        [ECR_REPO],
        "payments-api-repo",
    ),
}
