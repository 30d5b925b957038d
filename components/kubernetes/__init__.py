"""The Kubernetes platform: Helm add-ons, admission, namespace conventions, quota tiers."""
