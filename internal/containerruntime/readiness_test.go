package containerruntime

import (
	"slices"
	"testing"
)

func TestSummarize(t *testing.T) {
	yes, no := Bool(true), Bool(false)
	show := func(b *bool) string {
		if b == nil {
			return "null"
		}
		if *b {
			return "true"
		}
		return "false"
	}
	cases := []struct {
		name  string
		units []Facts
		want  [3]string
	}{
		{"no units cannot tell", nil, [3]string{"null", "null", "null"}},
		{"all true", []Facts{{Containerd2: yes, CgroupV2: yes, SupportedImage: yes}, {Containerd2: yes, CgroupV2: yes, SupportedImage: yes}}, [3]string{"true", "true", "true"}},
		{"one unknown is null", []Facts{{Containerd2: yes, CgroupV2: nil, SupportedImage: yes}, {Containerd2: yes, CgroupV2: yes, SupportedImage: yes}}, [3]string{"true", "null", "true"}},
		{"a false wins over unknown", []Facts{{Containerd2: nil, CgroupV2: no}, {Containerd2: no, CgroupV2: nil}}, [3]string{"false", "false", "null"}},
	}
	for _, c := range cases {
		r := Summarize(c.units)
		got := [3]string{show(r.Containerd2), show(r.CgroupV2), show(r.SupportedImages)}
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	r := Summarize([]Facts{
		{Kind: "node group", Name: "legacy", Blockers: []string{"AL2 AMIs reached end of support on 2025-11-26", "cgroup v1"}},
		{Kind: "node group", Name: "ok"},
	}, "cluster: auto mode")
	want := []string{"cluster: auto mode", "node group legacy: AL2 AMIs reached end of support on 2025-11-26", "node group legacy: cgroup v1"}
	if !slices.Equal(r.Blockers, want) {
		t.Errorf("blockers = %q, want %q", r.Blockers, want)
	}
	if r := Summarize(nil); r.Blockers == nil || len(r.Blockers) != 0 {
		t.Errorf("no blockers must be an empty list, not nil: %#v", r.Blockers)
	}
}
