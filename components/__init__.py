"""Pulumi ComponentResources of the platform: one concern per module.

Components know nothing about stacks or environments: each takes a typed args object,
receives its providers explicitly, parents its children to itself and registers outputs.
"""
