package containerruntime

import (
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct{ in, name, version string }{
		{"containerd://1.7.27", Containerd, "1.7.27"},
		{"cri-o://1.30.1", CRIO, "1.30.1"},
		{"docker://24.0.7", Docker, "24.0.7"},
		{"containerd://2.0.0-rc.1+k3s1", Containerd, "2.0.0-rc.1+k3s1"},
		{"CONTAINERD://1.6.0", Containerd, "1.6.0"},
		{"  containerd://1.7.0\n", Containerd, "1.7.0"},
		{"Unknown", Unknown, ""},
		{"", Unknown, ""},
		{"containerd", Unknown, ""},
		{"://1.0", Unknown, ""},
		{"contain erd://1.0", Unknown, ""},
		{"docker://24.0 .7", Unknown, ""},
		{"containerd://", Containerd, ""},
	}
	for _, c := range cases {
		name, version := Parse(c.in)
		if name != c.name || version != c.version {
			t.Errorf("Parse(%q) = %q, %q; want %q, %q", c.in, name, version, c.name, c.version)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"containerd://1.7.27", "cri-o://1.30.1", "docker://24.0.7", "Unknown", "", "a://b://c", "\x00://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, version := Parse(s)
		if name == "" {
			t.Fatalf("empty runtime name for %q", s)
		}
		if name == Unknown && version != "" {
			t.Fatalf("unknown runtime with a version %q for %q", version, s)
		}
		if name != Unknown && !runtimeNameRE.MatchString(name) {
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

func TestMajor(t *testing.T) {
	for in, want := range map[string]int{"2.0.5": 2, "1.7.27-1": 1, "v1.30.1": 1, "24.0.7": 24, "2": 2} {
		if got, ok := Major(in); !ok || got != want {
			t.Errorf("Major(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "v", "x1.2", ".1", "99999999999.1"} {
		if got, ok := Major(in); ok {
			t.Errorf("Major(%q) = %d, want no major", in, got)
		}
	}
}
