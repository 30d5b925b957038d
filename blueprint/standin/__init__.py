"""Stand-in provider plugins for the real-engine tier (no cloud is reachable here).

The real Pulumi CLI and engine load these under the plugin names and versions the program asks for
(aws, kubernetes, github, vault). They answer from the same deterministic values as the offline
engine (``blueprint.engine.fakes``), so a real ``pulumi up`` and ``blueprint plan`` see one world.
"""
