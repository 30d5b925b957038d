"""CI identity without long-lived keys (seed: Secrets & Identity; ADR-0001, ADR-0003).

GitHub Actions exchanges its OIDC token for a role scoped to one repository and one branch or
environment. Image repositories' CI may push their own images and sign with the platform key; the
infra repository's deploy role may make exactly the calls ``pulumi up`` makes (components/aws/deploy_permissions.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import alert_relay, deploy_permissions, iam_documents
from components.aws.arns import Location
from components.aws.audit_ledger import ledger_bucket_name
from components.aws.keys import data_key_alias, signing_key_alias
from components.aws.managed_policies import READ_ONLY_POLICY
from components.context import StackContext
from components.naming import DEFAULT_BRANCH, physical_name
from policy_pack.policies import contract
from policy_pack.policies.contract import deployment_records_prefix

GITHUB_OIDC_URL = f"https://{iam_documents.GITHUB_OIDC_HOST}"
ROLE_PATH = "/fintech-blueprint/"


@dataclass(frozen=True)
class ImagePublisher:
    """A repository whose CI builds and signs images."""

    repository: str
    image_repository_arns: list[pulumi.Input[str]]
    branch: str = DEFAULT_BRANCH


@dataclass(frozen=True)
class CiIdentityArgs:
    """Attributes:
    publishers: Repositories that push and sign images. Default: none.
    alert_topic_arn: The stack's alert topic, where the scheduled drift check reports a drift
        (``.github/workflows/drift.yml``). None: no drift role.
    hosted_zone_id: The Route 53 zone of the stack's edge, where the deploy role writes the
        certificates' validation records. None: the role may change no zone.
    """

    publishers: list[ImagePublisher] = field(default_factory=list)
    alert_topic_arn: str | None = None
    hosted_zone_id: str | None = None


def ci_variables(
    account_id: str, region: str, name_prefix: str, repository: str, image_repository: str, signing_alias: str
) -> dict[str, str]:
    """What a service repository's workflow needs to publish: all known from names, before anything exists."""
    return dict(
        zip(
            contract.CI_VARIABLES,
            (
                f"{account_id}.dkr.ecr.{region}.amazonaws.com/{image_repository}",
                f"arn:aws:iam::{account_id}:role{ROLE_PATH}{publisher_role_name(name_prefix, repository)}",
                region,
                f"arn:aws:kms:{region}:{account_id}:{signing_alias}",
            ),
            strict=True,
        )
    )


def deployment_records_arn(ledger_bucket: str, repository: str) -> str:
    """The objects a repository's promotions may write: its own prefix of the ledger, nothing else."""
    return f"arn:aws:s3:::{ledger_bucket}/{deployment_records_prefix(repository)}*"


def publisher_role_name(name_prefix: str, repository: str) -> str:
    return physical_name(name_prefix, "ci", repository, max_length=64)


def publisher_role_name_pattern(name_prefix: str) -> str:
    """Every publisher role's name (``ArnLike``): the signing key lets only these sign."""
    return f"{name_prefix}-ci-*"


def publisher_role(
    name: str,
    *,
    provider_arn: pulumi.Input[str],
    github_org: str,
    publisher: ImagePublisher,
    name_prefix: str,
    environment: str,
    location: Location,
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """A role the publisher repository's CI assumes to push and sign its images with the platform
    signing key (granted by alias, so the document is known at a first preview), from its main branch
    (Gate 1) or from a job of this stack's GitHub environment (the promotion, #26: such a job's OIDC
    subject names the environment, not the branch), and to append its deployment records."""
    subjects = [f"ref:refs/heads/{publisher.branch}", f"environment:{environment}"]
    trust = pulumi.Output.from_input(provider_arn).apply(
        lambda arn: json.dumps(iam_documents.github_oidc_trust(arn, github_org, publisher.repository, subjects))
    )
    role = aws.iam.Role(
        name,
        path=ROLE_PATH,
        name=publisher_role_name(name_prefix, publisher.repository),
        assume_role_policy=trust,
        opts=opts,
    )
    aws.iam.RolePolicy(
        name,
        role=role.id,
        opts=opts,
        policy=pulumi.Output.all(
            keys_arn=location.kms_keys(),
            repository_arns=pulumi.Output.all(*publisher.image_repository_arns),
            account=location.account,
        ).apply(
            lambda v: json.dumps(
                iam_documents.image_publisher(
                    keys_arn=v["keys_arn"],
                    repository_arns=list(v["repository_arns"]),
                    signing_alias=signing_key_alias(name_prefix),
                    records_arn=deployment_records_arn(ledger_bucket_name(name_prefix, v["account"]), publisher.repository),
                )
            )
        ),
    )
    return role.arn


def _nth(index: int) -> Callable[[list[str]], str]:
    return lambda documents: documents[index]


class CiIdentity(pulumi.ComponentResource):
    provider_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CiIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:CiIdentity", name, None, opts)
        child = options.child(self, opts)
        provider = aws.iam.OpenIdConnectProvider(f"{name}-github", url=GITHUB_OIDC_URL, client_id_lists=["sts.amazonaws.com"], opts=child)
        location = Location.of(self)
        # From the provider's URL (its input), so that trusts are known at a first preview and still
        # wait for the provider: IAM refuses a trust naming a provider that does not exist.
        provider_arn = location.arn("iam", provider.url.apply(lambda url: f"oidc-provider/{url.removeprefix('https://')}"), regional=False)

        def trust(repository: str, subjects: list[str]) -> pulumi.Output[str]:
            return provider_arn.apply(lambda arn: json.dumps(iam_documents.github_oidc_trust(arn, ctx.github_org, repository, subjects)))

        deploy_name = physical_name(ctx.name_prefix, "deploy", max_length=64)
        deploy = aws.iam.Role(
            f"{name}-deploy",
            name=deploy_name,
            path=ROLE_PATH,
            assume_role_policy=trust(ctx.infra_repository, [f"environment:{ctx.environment}"]),
            opts=child,
        )

        def target(account: str, region: str) -> deploy_permissions.DeployTarget:
            return deploy_permissions.DeployTarget(
                ctx.environment, account, region, ctx.name_prefix, ROLE_PATH, deploy_name, hosted_zone=args.hosted_zone_id
            )

        table = deploy_permissions.load_table()
        # How many documents is known now (the layout fits any account and region); their text once
        # the account and region are.
        count = len(deploy_permissions.layout(table, target("", "")))
        documents = pulumi.Output.all(account=ctx.account_id, region=location.region).apply(
            lambda v: [json.dumps(d) for d in deploy_permissions.deploy_documents(table, target(str(v["account"]), str(v["region"])))]
        )
        for index in range(count):
            policy = aws.iam.Policy(
                f"{name}-deploy-{index + 1}",
                name=f"{deploy_name}-{index + 1}",
                path=ROLE_PATH,
                description=f"pulumi up from {ctx.infra_repository} ({index + 1}/{count}); built from the deploy-action table (ADR-0019)",
                policy=documents.apply(_nth(index)),
                opts=child,
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-deploy-{index + 1}", role=deploy.name, policy_arn=location.managed_policy(policy.name, ROLE_PATH), opts=child
            )
        # Pull-request previews read the account, nothing more.
        preview = aws.iam.Role(
            f"{name}-preview",
            name=physical_name(ctx.name_prefix, "preview", max_length=64),
            path=ROLE_PATH,
            assume_role_policy=trust(ctx.infra_repository, ["pull_request"]),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(f"{name}-preview", role=preview.name, policy_arn=READ_ONLY_POLICY, opts=child)
        # The scheduled drift check (Gate 5): a preview from the stack's own drift environment, which may
        # also report a drift to the platform team on the alert topic.
        self.drift_role_arn: pulumi.Output[str] | None = None
        if args.alert_topic_arn is not None:
            topic = args.alert_topic_arn
            drift = aws.iam.Role(
                f"{name}-drift",
                name=physical_name(ctx.name_prefix, "drift", max_length=64),
                path=ROLE_PATH,
                assume_role_policy=trust(ctx.infra_repository, [f"environment:drift-{ctx.environment}"]),
                opts=child,
            )
            aws.iam.RolePolicyAttachment(f"{name}-drift", role=drift.name, policy_arn=READ_ONLY_POLICY, opts=child)
            self.drift_role_arn = drift.arn
            aws.iam.RolePolicy(
                f"{name}-drift-alerts",
                role=drift.id,
                policy=location.kms_keys().apply(
                    lambda keys: json.dumps(alert_relay.publish_access(topic, keys_arn=keys, data_alias=data_key_alias(ctx.name_prefix)))
                ),
                opts=child,
            )

        self.publisher_role_arns = {
            p.repository: publisher_role(
                f"{name}-publish-{p.repository}",
                provider_arn=provider_arn,
                github_org=ctx.github_org,
                publisher=p,
                name_prefix=ctx.name_prefix,
                environment=ctx.environment,
                location=location,
                opts=child,
            )
            for p in args.publishers
        }

        self.provider_arn = provider_arn
        self.deploy_role_arn = deploy.arn
        self.preview_role_arn = preview.arn
        self.register_outputs(
            {
                "providerArn": self.provider_arn,
                "deployRoleArn": self.deploy_role_arn,
                "previewRoleArn": self.preview_role_arn,
                "publisherRoleArns": self.publisher_role_arns,
            }
        )
