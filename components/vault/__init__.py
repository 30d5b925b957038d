"""Vault/OpenBao: the platform mounts and auth backends, and the policy text every tenant gets."""
