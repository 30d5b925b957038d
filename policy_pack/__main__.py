"""Entry point run by the Pulumi CLI (``pulumi preview --policy-pack policy_pack``).

Constructing ``PolicyPack`` starts the analyzer's gRPC server and blocks: nothing may import this
module. Tests and ``blueprint`` import ``policy_pack.policies.pack`` instead.
"""

from policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=DEFAULT_ENFORCEMENT)
