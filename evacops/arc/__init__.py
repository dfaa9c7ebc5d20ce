"""evac's plan as an AWS ARC Region switch plan: ``export`` maps the plan to a ``CreatePlan`` request, ``validate``
checks it against botocore's service model (``evac plan export --arc``; docs/arc.md)."""
