package containerruntime

import (
	"strings"
	"testing"
)

func TestForGKEImageType(t *testing.T) {
	cases := []struct{ in, want string }{
		{"COS_CONTAINERD", Containerd},
		{"UBUNTU_CONTAINERD", Containerd},
		{"WINDOWS_LTSC_CONTAINERD", Containerd},
		{"WINDOWS_SAC_CONTAINERD", Containerd},
		{"cos_containerd", Containerd},
		{" Ubuntu_Containerd\n", Containerd},
		{"COS", Docker},
		{"UBUNTU", Docker},
		{"WINDOWS_LTSC", Docker},
		{"WINDOWS_SAC", Docker},
		{"windows_ltsc", Docker},
		{"cos", Docker},
		{"", Unknown},
		{"_CONTAINERD", Unknown},
		{"CONTAINERD", Unknown},
		{"CUSTOM", Unknown},
		{"COS_CONTAINERD_ARM", Unknown},
		{"WINDOWS", Unknown},
		{"UBUNTU-CONTAINERD", Unknown},
	}
	for _, c := range cases {
		if got := ForGKEImageType(c.in); got != c.want {
			t.Errorf("ForGKEImageType(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzForGKEImageType(f *testing.F) {
	for _, s := range []string{"COS_CONTAINERD", "COS", "UBUNTU", "WINDOWS_LTSC", "WINDOWS_SAC", "windows_sac_containerd", "", "_CONTAINERD", "\x00", "ÇOS"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ForGKEImageType(s)
		switch got {
		case Containerd, Docker, Unknown:
		default:
			t.Fatalf("ForGKEImageType(%q) = %q, not one of the three runtimes", s, got)
		}
		// The mapping ignores case: the upper-cased input maps the same.
		if up := ForGKEImageType(strings.ToUpper(s)); up != got {
			t.Fatalf("ForGKEImageType(%q) = %q but ForGKEImageType(upper) = %q", s, got, up)
		}
		if got == Containerd && !strings.HasSuffix(strings.ToUpper(strings.TrimSpace(s)), containerdSuffix) {
			t.Fatalf("%q maps to containerd without the %s suffix", s, containerdSuffix)
		}
	})
}
