"""fintech-blueprint's org stack (ADR-0031): load its config, compose the organization."""

import sys
from pathlib import Path

# The org project reuses the repository's components/ and stacks/ (one level up).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stacks.org import load_org_from_pulumi
from stacks.org_program import compose_org

# Environment stack files are relative to this project's directory (as the CLI runs it, or a copy).
compose_org(load_org_from_pulumi(), Path(__file__).absolute().parent)
