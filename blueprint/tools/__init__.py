"""Maintenance tools (generators of data the policy pack ships)."""
