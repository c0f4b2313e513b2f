package kube

import (
	"testing"
)

func TestParseContainerRuntime(t *testing.T) {
	cases := []struct{ in, name, version string }{
		{"containerd://1.7.27", RuntimeContainerd, "1.7.27"},
		{"cri-o://1.30.1", RuntimeCRIO, "1.30.1"},
		{"docker://24.0.7", RuntimeDocker, "24.0.7"},
		{"containerd://2.0.0-rc.1+k3s1", RuntimeContainerd, "2.0.0-rc.1+k3s1"},
		{"CONTAINERD://1.6.0", RuntimeContainerd, "1.6.0"},
		{"  containerd://1.7.0\n", RuntimeContainerd, "1.7.0"},
		{"Unknown", RuntimeUnknown, ""},
		{"", RuntimeUnknown, ""},
		{"containerd", RuntimeUnknown, ""},
		{"://1.0", RuntimeUnknown, ""},
		{"contain erd://1.0", RuntimeUnknown, ""},
		{"docker://24.0 .7", RuntimeUnknown, ""},
		{"containerd://", RuntimeContainerd, ""},
	}
	for _, c := range cases {
		name, version := ParseContainerRuntime(c.in)
		if name != c.name || version != c.version {
			t.Errorf("ParseContainerRuntime(%q) = %q, %q; want %q, %q", c.in, name, version, c.name, c.version)
		}
	}
}

func FuzzParseContainerRuntime(f *testing.F) {
	for _, s := range []string{"containerd://1.7.27", "cri-o://1.30.1", "docker://24.0.7", "Unknown", "", "a://b://c", "\x00://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, version := ParseContainerRuntime(s)
		if name == "" {
			t.Fatalf("empty runtime name for %q", s)
		}
		if name == RuntimeUnknown && version != "" {
			t.Fatalf("unknown runtime with a version %q for %q", version, s)
		}
		if name != RuntimeUnknown && !runtimeNameRE.MatchString(name) {
			t.Fatalf("implausible runtime name %q for %q", name, s)
		}
	})
}

func TestDockershimFree(t *testing.T) {
	tr, fa := true, false
	cases := []struct {
		in   []string
		want *bool
	}{
		{nil, nil},
		{[]string{"containerd", "cri-o"}, &tr},
		{[]string{"containerd", "docker"}, &fa},
		{[]string{"containerd", "unknown"}, nil},
		{[]string{"docker", "unknown"}, nil},
	}
	for _, c := range cases {
		got := DockershimFree(c.in)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("DockershimFree(%v) = %v, want %v", c.in, ptrStr(got), ptrStr(c.want))
		}
	}
}

func ptrStr(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestPlatform(t *testing.T) {
	cases := []struct {
		version string
		ids     []string
		want    string
	}{
		{"v1.30.4-eks-a737599", nil, "eks"},
		{"v1.30.5-gke.1014001", nil, "gke"},
		{"v1.30.3", []string{"azure:///subscriptions/x"}, "aks"},
		{"v1.36.3", nil, "other"},
		{"v1.36.3", []string{"", "kind://docker/kind/kind-control-plane"}, "other"},
		{"v1.29.0", []string{"aws:///eu-west-1a/i-0"}, "eks"},
	}
	for _, c := range cases {
		if got := Platform(c.version, c.ids); got != c.want {
			t.Errorf("Platform(%q, %v) = %q, want %q", c.version, c.ids, got, c.want)
		}
	}
}
