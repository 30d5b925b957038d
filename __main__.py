"""fintech-blueprint: load this stack's config, compose the platform."""

from stacks.compose import compose
from stacks.loader import load_from_pulumi

compose(load_from_pulumi())
