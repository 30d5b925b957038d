"""Plan-scaling benchmark (not a test): offline plans of generated stacks with 1, 10, 50 and 200 tenants.

Each size runs ``blueprint plan`` in its own process, so wall time and peak RSS are per plan.
Targets for the finished program: linear growth; 200 tenants <= 60 s and <= 2 GiB on 2 cores.

    python bench/plan_scaling.py [--sizes 1 10 50 200] [--json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TIERS = ("small", "medium", "large")


def stack_with(tenants: int) -> dict:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    template = document["config"]["fintech-blueprint:tenants"][0]
    generated = []
    for i in range(tenants):
        tenant = copy.deepcopy(template)
        tenant.update(
            name=f"tenant-{i:03d}",
            ownerTeam=f"team-{i:03d}",
            ownerEmail=f"team-{i:03d}@fintech-blueprint.example",
            costCenter=f"CC-{2000 + i}",
            tier=TIERS[i % 3],
        )
        for service in tenant["services"]:
            if "public" in service:  # each tenant's entry has hosts of its own
                service["public"] = {"host": f"{service['name']}.{tenant['name']}.{document['config']['fintech-blueprint:edge']['domain']}"}
        generated.append(tenant)
    document["config"]["fintech-blueprint:tenants"] = generated
    return document


def measure(tenants: int, workdir: Path) -> dict:
    config = workdir / f"Pulumi.bench-{tenants}.yaml"
    config.write_text(yaml.safe_dump(stack_with(tenants)))
    blueprint = Path(sys.executable).parent / "blueprint"
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            str(blueprint),
            "plan",
            "bench",
            "--config-file",
            str(config),
            "--out",
            str(workdir / f"out-{tenants}"),
            "--policy-config",
            str(ROOT / "policy_pack/config.dev.json"),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    stdout = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    summary = json.loads(stdout)
    return {
        "tenants": tenants,
        "resources": summary["resources"],
        "seconds": round(seconds, 2),
        "peakRssMiB": round(usage.ru_maxrss / 1024, 1),
        "exitCode": os.waitstatus_to_exitcode(status),
        "mandatoryViolations": summary["policy"]["mandatory"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, Path(tmp)) for n in args.sizes]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'tenants':>8} {'resources':>10} {'seconds':>8} {'peak RSS MiB':>13} {'s/100 res':>10} {'exit':>5}")
    for row in rows:
        per = row["seconds"] / row["resources"] * 100
        print(f"{row['tenants']:>8} {row['resources']:>10} {row['seconds']:>8} {row['peakRssMiB']:>13} {per:>10.2f} {row['exitCode']:>5}")


if __name__ == "__main__":
    main()
