"""One adapter module per AWS service. Each owns its boto3 client and speaks the domain's ports."""
