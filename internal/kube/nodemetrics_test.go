package kube

import (
	"strings"
	"testing"
)

// TestParseCgroupVersion reads the gauge as the kubelet exposes it, and
// refuses what is not one gauge of 1 or 2.
func TestParseCgroupVersion(t *testing.T) {
	cases := []struct {
		name, text string
		want       int
		err        string
	}{
		{"v2", "# HELP kubelet_cgroup_version [ALPHA] cgroup version on the hosts.\n# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 2\n" +
			"# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n# TYPE kubelet_running_pods gauge\nkubelet_running_pods 7\n", 2, ""},
		{"v1", "# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 1\n", 1, ""},
		{"absent", "# TYPE kubelet_running_pods gauge\nkubelet_running_pods 7\n", 0, "have no kubelet_cgroup_version"},
		{"odd value", "# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 3\n", 0, "is 3, neither 1 nor 2"},
		{"counter", "# TYPE kubelet_cgroup_version counter\nkubelet_cgroup_version 2\n", 0, "is not one gauge"},
		{"not metrics", "<html>", 0, "parsing the kubelet's metrics"},
	}
	for _, tc := range cases {
		got, err := ParseCgroupVersion(strings.NewReader(tc.text))
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: got %d, %v; want %d, an error containing %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}
