"""The example service of the golden template: a health endpoint, Prometheus metrics and one
feature flag (``/hello``, behind ``new-greeting``: ``flags.py``).

Replace the handlers with your service; keep ``/healthz`` (the probes) and ``/metrics`` (the
ServiceMonitor the platform creates scrapes it, and the SLO alerts read its histogram).
"""
