//go:build tools

// Package tools pins kustomize, which renders a service's GitOps overlay exactly as Argo CD does
// (Argo CD runs kustomize build on an Application's path), for the promotion tests.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
