// Command argo-analysis measures an AnalysisTemplate's Prometheus metrics once, through Argo Rollouts'
// own code (v1.9.0): the arguments resolved as the analysis controller resolves them
// (utils/analysis.ResolveMetricArgs), the query sent and its result judged by the Prometheus metric
// provider (metricproviders/prometheus, utils/evaluate). The tests run it against a real Prometheus.
//
// Usage: argo-analysis -address http://127.0.0.1:9090 < request.json
// request.json: {"metrics": [<AnalysisTemplate spec.metrics[i]>...], "args": [{"name": ..., "value": ...}]}
// Prints one JSON line per metric: {"name", "phase", "value", "message"}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/argoproj/argo-rollouts/metricproviders/prometheus"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/sirupsen/logrus"
)

type request struct {
	Metrics []v1alpha1.Metric   `json:"metrics"`
	Args    []v1alpha1.Argument `json:"args"`
}

type measurement struct {
	Name    string `json:"name"`
	Phase   string `json:"phase"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

func main() {
	address := flag.String("address", "", "the Prometheus to query instead of each metric's own address")
	flag.Parse()
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis: bad request:", err)
		os.Exit(2)
	}
	logger := logrus.New()
	logger.SetOutput(os.Stderr)
	entry := logrus.NewEntry(logger)
	out := json.NewEncoder(os.Stdout)
	for _, metric := range req.Metrics {
		resolved, err := analysisutil.ResolveMetricArgs(metric, req.Args)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-analysis: metric %s: %v\n", metric.Name, err)
			os.Exit(2)
		}
		if resolved.Provider.Prometheus == nil {
			fmt.Fprintf(os.Stderr, "argo-analysis: metric %s has no Prometheus provider\n", metric.Name)
			os.Exit(2)
		}
		if *address != "" {
			resolved.Provider.Prometheus.Address = *address
		}
		api, err := prometheus.NewPrometheusAPI(*resolved)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-analysis: metric %s: %v\n", metric.Name, err)
			os.Exit(2)
		}
		provider, err := prometheus.NewPrometheusProvider(api, *entry, *resolved)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-analysis: metric %s: %v\n", metric.Name, err)
			os.Exit(2)
		}
		m := provider.Run(&v1alpha1.AnalysisRun{}, *resolved)
		_ = out.Encode(measurement{Name: metric.Name, Phase: string(m.Phase), Value: m.Value, Message: m.Message})
	}
}
