"""Pure decisions and models: no boto3, no moto, no Powertools. Ports in ``ports`` say what the domain needs."""
