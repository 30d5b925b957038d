"""Promote one image, by digest, into an environment's overlay (Gate 2: the GitOps commit).

    python deploy/promote.py dev --image REPOSITORY --digest sha256:HEX --commit SHA
    python deploy/promote.py staging --from dev --image REPOSITORY --commit SHA
    python deploy/promote.py staging --ledger-key      # where its deployment record goes in the ledger

Rewrites ``deploy/overlays/<environment>/kustomization.yaml`` (the base, with the image replaced by
``REPOSITORY@sha256:…``) and ``promotion.json`` beside it (what was promoted, from where, when).
``promotion.json`` is also the deployment record the workflow appends to the audit ledger (#26 item 6:
repository, commit, digest, signature and SBOM attestation digests, approvers, environment, time).
``--from`` takes the digest another environment runs, so that staging and prod run the very digest
that passed the environment before them; the repository may differ (each environment's registry
holds a copy of the same digest). Argo CD of that environment syncs the overlay. Standard library
only: the promotion job needs nothing installed. Exit 2 with one message on bad input; nothing is
written then.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

#: The image name the base Deployment uses; the overlay replaces it.
SERVICE = "__SERVICE__"
TENANT = "__TENANT__"
DEPLOY = Path(__file__).resolve().parent
OVERLAYS = DEPLOY / "overlays"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
#: host[:port]/path, lower case, no tag and no digest (the digest is given apart).
REPOSITORY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+$")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


class PromotionError(ValueError):
    """Bad input: one message naming the argument and the fix."""


def environments() -> list[str]:
    return sorted(p.name for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").is_file())


def promoted(environment: str) -> dict[str, Any] | None:
    """What ``environment`` runs (its promotion record), or None before its first promotion."""
    record = OVERLAYS / environment / "promotion.json"
    if not record.is_file():
        return None
    loaded: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
    return loaded


def kustomization(environment: str, image: str, digest: str, commit: str) -> str:
    return (
        f"# Promoted by deploy/promote.py: commit {commit}, by digest. What Argo CD of {environment} syncs\n"
        "# into the tenant namespace (the base, with the image of this environment's registry).\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        f"namespace: {TENANT}\n"
        "resources:\n"
        "  - ../../base\n"
        "images:\n"
        f"  - name: {SERVICE}\n"
        f"    newName: {image}\n"
        f"    digest: {digest}\n"
        "# The feature flags of this environment, kept as they are (no hash suffix: no rollout on a change).\n"
        "configMapGenerator:\n"
        f"  - name: {SERVICE}-flags\n"
        "    files:\n"
        "      - flags.flagd.json\n"
        "    options:\n"
        "      disableNameSuffixHash: true\n"
    )


def plan(args: argparse.Namespace) -> dict[str, Any]:
    """The promotion record, or PromotionError."""
    known = environments()
    if args.environment not in known:
        raise PromotionError(f"environment {args.environment!r} has no overlay (deploy/overlays/: {', '.join(known)})")
    if not args.image or not REPOSITORY.match(args.image):
        raise PromotionError(
            f"--image {args.image!r} is not a repository without tag or digest "
            "(e.g. 123456789012.dkr.ecr.eu-west-3.amazonaws.com/team/app)"
        )
    if not args.image or not args.commit:
        raise PromotionError("--image and --commit are required to promote")
    if not COMMIT.match(args.commit):
        raise PromotionError(f"--commit {args.commit!r} is not a git commit SHA")
    if (args.digest is None) == (args.source is None):
        raise PromotionError("give exactly one of --digest (a new build) and --from ENVIRONMENT (what that environment runs)")
    digest, source = args.digest, ""
    if args.source is not None:
        if args.source not in known or args.source == args.environment:
            raise PromotionError(
                f"--from {args.source!r} is not another environment ({', '.join(e for e in known if e != args.environment)})"
            )
        before = promoted(args.source)
        if before is None:
            raise PromotionError(f"--from {args.source}: nothing was promoted there yet; promote to {args.source} first")
        digest, source = before["digest"], args.source
    if not DIGEST.match(digest):
        raise PromotionError(f"--digest {digest!r} is not sha256:<64 lower-case hex> (a tag is not a digest)")
    for name, value in (("--signature", args.signature), ("--sbom", args.sbom)):
        if value and not DIGEST.match(value):
            raise PromotionError(
                f"{name} {value!r} is not sha256:<64 lower-case hex> (the digest of the signature or attestation)"
            )
    at = args.at or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "environment": args.environment,
        "repository": args.repository or "",
        "image": args.image,
        "digest": digest,
        "commit": args.commit,
        "from": source,
        "signature": args.signature or "",
        "sbom": args.sbom or "",
        "approvers": sorted(set(args.approver)),
        "promotedAt": at,
    }


def ledger_key(record: dict[str, Any]) -> str:
    """The record's object key in the audit ledger: the repository's prefix (the only one its publisher
    role may write), then the environment, the time and the digest."""
    stamp = str(record["promotedAt"]).replace(":", "").replace("-", "")
    digest = str(record["digest"]).removeprefix("sha256:")[:12]
    return f"deployments/{record['repository']}/{record['environment']}/{stamp}-{digest}.json"


def _write(path: Path, text: str) -> Path:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)


def write(record: dict[str, Any]) -> None:
    """Both files, or neither: each is written aside, then renamed over the old one."""
    overlay = OVERLAYS / record["environment"]
    staged = [
        (
            _write(
                overlay / "kustomization.yaml",
                kustomization(record["environment"], record["image"], record["digest"], record["commit"]),
            ),
            overlay / "kustomization.yaml",
        ),
        (_write(overlay / "promotion.json", json.dumps(record, indent=2, sort_keys=True) + "\n"), overlay / "promotion.json"),
    ]
    for temporary, final in staged:
        os.replace(temporary, final)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="promote", description=__doc__.split("\n\n")[0])
    parser.add_argument("environment", help="the overlay to write (deploy/overlays/<environment>)")
    parser.add_argument("--image", help="this environment's registry repository (no tag)")
    parser.add_argument("--digest", help="sha256:… of the image built from --commit")
    parser.add_argument("--from", dest="source", help="promote the digest this environment runs")
    parser.add_argument("--commit", help="the commit the image was built from")
    parser.add_argument("--repository", help="this repository's name (the deployment record's ledger prefix)")
    parser.add_argument("--signature", help="sha256:… of the image's cosign signature")
    parser.add_argument("--sbom", help="sha256:… of its SBOM attestation")
    parser.add_argument("--approver", action="append", default=[], help="who approved (repeatable)")
    parser.add_argument("--ledger-key", action="store_true", help="print where the environment's record goes in the ledger")
    parser.add_argument("--at", help="the promotion's time (UTC, ISO 8601); default now")
    args = parser.parse_args(argv)
    if args.ledger_key:
        record = promoted(args.environment) if args.environment in environments() else None
        if record is None or not record.get("repository"):
            print(f"promote: {args.environment}: no promotion record with a repository", file=sys.stderr)
            return 2
        print(ledger_key(record))
        return 0
    try:
        record = plan(args)
    except PromotionError as refused:
        print(f"promote: {refused}", file=sys.stderr)
        return 2
    write(record)
    print(json.dumps(record, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
