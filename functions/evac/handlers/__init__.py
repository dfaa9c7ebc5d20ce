"""One thin Lambda entry point per runbook step: parse, call the domain with this region's adapters, dump."""
