#!/usr/bin/env bash
# Offline checks of what operators deploy with (no container engine or
# cluster runs here): the compose file against the Compose specification's
# schema, the Kubernetes manifests against Kubernetes 1.37's schemas
# (strict: unknown fields are errors; the ServiceMonitor is a CRD and the
# kustomization a kustomize file, neither has a schema there), the compose
# Prometheus configuration with promtool, and scripts/check-deploy.py for
# what schemas cannot see. check-jsonschema and kubernetes-validate are
# installed with pip when missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v check-jsonschema >/dev/null 2>&1 || ! command -v kubernetes-validate >/dev/null 2>&1; then
  say "installing check-jsonschema and kubernetes-validate (pip)"
  python3 -m pip install --quiet check-jsonschema kubernetes-validate
fi

cd "$ROOT/deploy"
check-jsonschema --builtin-schema vendor.compose-spec compose/compose.yaml
kubernetes-validate --strict --quiet --kubernetes-version 1.37.0 \
  k8s/namespace.yaml k8s/config.yaml k8s/migrate-job.yaml k8s/topics-job.yaml \
  k8s/command-api.yaml k8s/query-api.yaml k8s/projector.yaml
say "kubernetes-validate --strict deploy/k8s: ok"
if command -v promtool >/dev/null 2>&1; then
  promtool check config --syntax-only compose/prometheus.yml >/dev/null
  say "promtool check config deploy/compose/prometheus.yml: ok"
fi
python3 "$ROOT/scripts/check-deploy.py"
