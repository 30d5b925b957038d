"""The fintech-blueprint policy pack's modules.

A leaf, free of side effects: importing this package imports nothing. The data modules the program
shares with the rules (``contract``, ``lifecycle``, ``pricing``) import no rule module and not
``pulumi_policy``, so a deployment never loads the pack, and a broken rule cannot break ``pulumi up``.
The rules are collected in ``pack`` (``POLICIES``), which only the pack's entry point, the offline
engine and the CLI's ``policy`` commands import.
"""
