"""The example service of the golden template: a health endpoint and Prometheus metrics.

Replace the handlers with your service; keep ``/healthz`` (the probes) and ``/metrics`` (the
ServiceMonitor the platform creates scrapes it, and the SLO alerts read its histogram).
"""
