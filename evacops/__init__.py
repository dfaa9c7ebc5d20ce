"""Operator tooling, never deployed: the `evac` CLI, the local cloud, drills and their reports."""
