"""What a rendered pod sees on disk: each container mount filled from the ConfigMap or Secret its volume
names, as the kubelet projects it (one file per key). Lets a test start a real process on exactly the
files the program delivers, and check that every path a config names is one of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: Keys of pgbouncer.ini whose value is a path the process opens.
_PATH_KEY = re.compile(r"^(\w+_file|\w+_dir|logfile|pidfile)$")


def pod_files(pod_spec: dict[str, Any], sources: dict[tuple[str, str], dict[str, str]], container: int = 0) -> dict[str, str]:
    """Absolute path -> content for the container's mounts; ``sources``: (``configMap`` | ``secret``,
    name) -> data. A volume whose source is missing delivers nothing (its keys are not files)."""
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    files: dict[str, str] = {}
    for mount in pod_spec["containers"][container].get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            data = sources.get(("configMap", volume["configMap"]["name"]), {})
        elif "secret" in volume:
            data = sources.get(("secret", volume["secret"]["secretName"]), {})
        else:
            continue
        for key, content in data.items():
            files[f"{mount['mountPath'].rstrip('/')}/{key}"] = content
    return files


def ini_paths(ini: str) -> dict[str, str]:
    """The path-valued settings of a pgbouncer.ini (empty values, which disable a feature, left out)."""
    found = {}
    for line in ini.splitlines():
        key, sep, value = (part.strip() for part in line.partition("="))
        if sep and _PATH_KEY.match(key) and value:
            found[key] = value
    return found


def materialize(files: dict[str, str], root: Path) -> None:
    for path, content in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def rooted(ini: str, root: Path) -> str:
    """``ini`` with every absolute path setting moved under ``root`` (where ``materialize`` wrote the pod's files)."""
    lines = []
    for line in ini.splitlines():
        key, sep, value = (part.strip() for part in line.partition("="))
        lines.append(f"{key} = {root}{value}" if sep and _PATH_KEY.match(key) and value.startswith("/") else line)
    return "\n".join(lines) + "\n"
