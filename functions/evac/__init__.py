"""evac: fail an AI application over to its secondary AWS region and prove it recovered."""
