"""Pulumi ComponentResources of the platform, grouped by layer: ``aws/``, ``kubernetes/``, ``vault/``,
``github/``, and ``tenant/`` (the slice every tenant gets, built on those layers).

The modules at this level are threaded through every layer: the stack context, naming, cost tags,
resource options. Components know nothing about stacks or environments: each takes a typed args
object and the context, receives its providers explicitly, parents its children to itself and
registers outputs.
"""
