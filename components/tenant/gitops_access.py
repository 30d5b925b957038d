"""How Argo CD reads a tenant's private repositories (#17 hop 4): per service repository, a key pair
of this stack, its public half a read-only deploy key of that repository, its private half an Argo CD
repository Secret scoped to the tenant's AppProject.

One key per repository and stack: a leaked key reads one repository, and revoking it (a destroy, or
``pulumi up --replace`` on the key) touches nothing else. The private key exists only in the stack's
encrypted state and in the Secret Argo CD reads; no person handles it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pulumi
import pulumi_github as github
import pulumi_kubernetes as k8s
import pulumi_tls as tls

from components import options
from components.github.variables import OrgRepositories
from components.kubernetes import charts
from policy_pack.policies.contract import GITOPS_REPOSITORY_SECRET, GITOPS_SECRET_LABEL


def ssh_url(org: str, repository: str) -> str:
    """What Argo CD clones; its repository Secret's ``url`` must be exactly this."""
    return f"git@github.com:{org}/{repository}.git"


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def repository_secret_data(url: str, project: str) -> dict[str, str]:
    """The non-secret fields of an Argo CD repository Secret (``sshPrivateKey`` is added from state)."""
    return {"type": "git", "url": url, "project": project}


@dataclass(frozen=True)
class TenantGitopsAccessArgs:
    """Attributes:
    tenant: Whose repositories; the AppProject the credentials are scoped to.
    org: The GitHub organization of the repositories.
    repositories: Service repository names.
    stack: Names the deploy key (``argocd-<stack>``): each environment holds its own key.
    gitops_namespace: Where Argo CD reads repository Secrets. Default ``argocd``.
    """

    tenant: str
    org: str
    repositories: list[str]
    stack: str
    gitops_namespace: str = charts.ARGO_CD.namespace


class TenantGitopsAccess(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: TenantGitopsAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
        repositories: OrgRepositories | None = None,
    ) -> None:
        """``repositories``: the org stack's, which the deploy keys name (ADR-0031); default: names as given."""
        super().__init__("fintech:tenant:GitopsAccess", name, None, opts)
        child = options.child(self, opts)
        org = repositories or OrgRepositories(None)
        for repository in args.repositories:
            key = tls.PrivateKey(f"{name}-{repository}-key", algorithm="ED25519", opts=child)
            github.RepositoryDeployKey(
                f"{name}-{repository}-deploy-key",
                repository=org.name(repository),
                title=f"argocd-{args.stack}",
                key=key.public_key_openssh,
                read_only=True,
                opts=child,
            )
            k8s.core.v1.Secret(
                f"{name}-{repository}-repository",
                metadata={
                    "name": f"repo-{repository}",
                    "namespace": args.gitops_namespace,
                    "labels": {GITOPS_SECRET_LABEL: GITOPS_REPOSITORY_SECRET},
                },
                # Two properties: the key is unknown until it is generated (and secret), the rest is known at a
                # first preview, where the pack checks it (one map holding both would be wholly unknown).
                string_data=repository_secret_data(ssh_url(args.org, repository), args.tenant),
                data={"sshPrivateKey": pulumi.Output.secret(key.private_key_openssh.apply(_base64))},
                opts=child,
            )
        self.register_outputs({})
