"""The service's feature flags, evaluated through the OpenFeature SDK by flagd's own evaluator in
process (the flagd provider's file resolver) over the file its environment's overlay mounts:
``deploy/overlays/<environment>/flags.flagd.json``, the ConfigMap ``<service>-flags`` at
``/etc/flags``. The provider re-reads the file when it changes, so a flag turns off without a deploy
(the platform's runbook ``feature-kill-switch.md``). Without the file every flag keeps the code's
default."""

from __future__ import annotations

import json
import os
import threading

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

#: Where the Deployment mounts the environment's flags (deploy/base/deployment.yaml).
FLAGS_FILE = "/etc/flags/flags.flagd.json"


class Flags:
    """Boolean flags of one flag file, with a count of evaluations per flag and variant."""

    def __init__(self, path: str | None, service: str) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}
        self._last: dict[str, str] = {}
        # A domain per file: each service (and each test server) has its own provider.
        self._domain = f"{service}:{path}"
        self._provider: FlagdProvider | None = None
        if path and os.path.isfile(path):
            self._provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=path)
            api.set_provider_and_wait(self._provider, domain=self._domain)
        self._client = api.get_client(domain=self._domain)

    def close(self) -> None:
        """Stop watching the file."""
        if self._provider is not None:
            self._provider.shutdown()
            self._provider = None

    def enabled(self, key: str, default: bool = False) -> bool:
        details = self._client.get_boolean_details(key, default)
        if details.error_code is not None:
            variant = "error"
        elif self._provider is None or not details.variant:
            variant = "default"  # no flag file: the code's default
        else:
            variant = details.variant
        with self._lock:
            self._counts[(key, variant)] = self._counts.get((key, variant), 0) + 1
            changed = self._last.get(key) != variant
            self._last[key] = variant
        if changed:
            print(json.dumps({"service": self._service, "flag": key, "variant": variant}), flush=True)
        return bool(details.value)

    def exposition(self) -> str:
        name = "feature_flag_evaluation_total"
        lines = [f"# HELP {name} Feature flag evaluations by flag and variant.", f"# TYPE {name} counter"]
        with self._lock:
            for (key, variant), count in sorted(self._counts.items()):
                lines.append(f'{name}{{feature_flag_key="{key}",feature_flag_variant="{variant}"}} {count}')
        return "\n".join(lines) + "\n"
