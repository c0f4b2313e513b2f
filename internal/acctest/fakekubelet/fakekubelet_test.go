package fakekubelet

import (
	"strings"
	"testing"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// TestMetricsText: the body parses as Prometheus text, with the gauge the
// provider reads, or without it.
func TestMetricsText(t *testing.T) {
	for _, v := range []int{1, 2} {
		if got, err := kube.ParseCgroupVersion(strings.NewReader(MetricsText(v))); err != nil || got != v {
			t.Errorf("MetricsText(%d) reads as %d, %v", v, got, err)
		}
	}
	if _, err := kube.ParseCgroupVersion(strings.NewReader(MetricsText(0))); err == nil || !strings.Contains(err.Error(), "have no kubelet_cgroup_version") {
		t.Errorf("MetricsText(0): got %v, want the gauge missing", err)
	}
}
