"""Operator tooling behind ``bridgectl``: topology, dead letters, backfill, reconcile, status, reports."""
