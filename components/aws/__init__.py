"""The AWS layer: network, cluster, keys, registries, identities, ledger, queues, budgets."""
