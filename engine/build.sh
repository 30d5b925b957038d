#!/usr/bin/env bash
# Builds the real-engine tier into $2 (default .tools/bin): the Pulumi CLI from its Go module, the
# Python language host of engine/cmd/pulumi-language-python, the SDK's exec shim beside it, and the
# analyzer launcher the CLI falls back to for Python policy packs, kustomize (engine/kustomize) and argo-analysis (engine/argo-analysis). Skips the work when the stamp of
# this version and these sources is already there. Needs Go >= 1.26 and the Go module proxy.
set -euo pipefail
version="${1:?usage: engine/build.sh PULUMI_VERSION [BIN_DIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(mkdir -p "${2:-$here/../.tools/bin}" && cd "${2:-$here/../.tools/bin}" && pwd)"
sources_hash="$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" "$here"/cmd/*/*.go "$here"/kustomize/go.* "$here"/argo-analysis/go.* "$here"/argo-analysis/*.go | sha256sum | cut -c1-16)"
stamp="$bin/.engine-v$version-$sources_hash"
if [[ -f "$stamp" && -x "$bin/pulumi" && -x "$bin/pulumi-language-python" && -x "$bin/kustomize" && -x "$bin/argo-analysis" ]]; then
  echo "engine: pulumi v$version already built in $bin"
  exit 0
fi
start=$(date +%s)
cd "$here"
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$bin/pulumi-language-python" ./cmd/pulumi-language-python
sdk="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
# The launcher upstream ships for Python packs; the CLI uses it when no Python language host is found.
cat > "$bin/pulumi-analyzer-policy-python" <<'SH'
#!/bin/sh
# Usage: pulumi-analyzer-policy-python <engine address> <pack dir> [-virtualenv=DIR]
venv=""
for arg in "$@"; do case "$arg" in -virtualenv=*) venv="${arg#-virtualenv=}";; esac; done
python="python3"
if [ -n "$venv" ]; then python="$venv/bin/python"; fi
exec "$python" -u -m pulumi.policy "$1" "$2"
SH
chmod 0755 "$bin/pulumi-analyzer-policy-python"
# kustomize, which Argo CD runs on an Application's path: the promotion tests render overlays with it.
(cd "$here/kustomize" && go build -trimpath -ldflags "-s -w" -o "$bin/kustomize" sigs.k8s.io/kustomize/kustomize/v5)
# Argo Rollouts' own analysis code (the Prometheus metric provider and its condition evaluator): the
# canary tests measure the rendered AnalysisTemplates with it against a real Prometheus.
(cd "$here/argo-analysis" && go build -trimpath -ldflags "-s -w" -o "$bin/argo-analysis" .)
rm -f "$bin"/.engine-v*
touch "$stamp"
"$bin/pulumi" version
du -sh "$bin/pulumi" "$bin/pulumi-language-python" | sed 's/^/engine: size /'
echo "engine: built in $(( $(date +%s) - start )) s"
