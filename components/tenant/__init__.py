"""The tenant slice: one Tenant component and its per-layer parts (AWS, GitHub, namespace, delivery,
Concierge, MLOps), each built on the platform layers beside it."""
