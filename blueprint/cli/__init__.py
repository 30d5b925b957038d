"""The ``blueprint`` command line: one command per module (plan, policy, tenant, catalog, finops), the
consoles, the exit-code mapping and the stack resolver they share in ``common``.

Exit codes: 0 ok; 1 blocking (mandatory) policy findings; 2 bad input (unknown stack, unreadable or
invalid config, bad flags), reported as one message with no traceback and nothing written; 3 the
program itself failed under the offline engine (a bug to fix in components/ or stacks/).
"""

from __future__ import annotations

from blueprint.cli import catalog, finops, plan, policy, tenant
from blueprint.cli.common import main

__all__ = ["catalog", "finops", "main", "plan", "policy", "tenant"]
