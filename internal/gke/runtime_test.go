package gke

import (
	"strings"
	"testing"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

func TestContainerRuntime(t *testing.T) {
	cases := []struct{ in, want string }{
		{"COS_CONTAINERD", kube.RuntimeContainerd},
		{"UBUNTU_CONTAINERD", kube.RuntimeContainerd},
		{"WINDOWS_LTSC_CONTAINERD", kube.RuntimeContainerd},
		{"WINDOWS_SAC_CONTAINERD", kube.RuntimeContainerd},
		{"cos_containerd", kube.RuntimeContainerd},
		{" Ubuntu_Containerd\n", kube.RuntimeContainerd},
		{"COS", kube.RuntimeDocker},
		{"UBUNTU", kube.RuntimeDocker},
		{"WINDOWS_LTSC", kube.RuntimeDocker},
		{"WINDOWS_SAC", kube.RuntimeDocker},
		{"windows_ltsc", kube.RuntimeDocker},
		{"cos", kube.RuntimeDocker},
		{"", kube.RuntimeUnknown},
		{"_CONTAINERD", kube.RuntimeUnknown},
		{"CONTAINERD", kube.RuntimeUnknown},
		{"CUSTOM", kube.RuntimeUnknown},
		{"COS_CONTAINERD_ARM", kube.RuntimeUnknown},
		{"WINDOWS", kube.RuntimeUnknown},
		{"UBUNTU-CONTAINERD", kube.RuntimeUnknown},
	}
	for _, c := range cases {
		if got := ContainerRuntime(c.in); got != c.want {
			t.Errorf("ContainerRuntime(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzContainerRuntime(f *testing.F) {
	for _, s := range []string{"COS_CONTAINERD", "COS", "UBUNTU", "WINDOWS_LTSC", "WINDOWS_SAC", "windows_sac_containerd", "", "_CONTAINERD", "\x00", "ÇOS"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ContainerRuntime(s)
		switch got {
		case kube.RuntimeContainerd, kube.RuntimeDocker, kube.RuntimeUnknown:
		default:
			t.Fatalf("ContainerRuntime(%q) = %q, not one of the three runtimes", s, got)
		}
		// The mapping ignores case: the upper-cased input maps the same.
		if up := ContainerRuntime(strings.ToUpper(s)); up != got {
			t.Fatalf("ContainerRuntime(%q) = %q but ContainerRuntime(upper) = %q", s, got, up)
		}
		if got == kube.RuntimeContainerd && !strings.HasSuffix(strings.ToUpper(strings.TrimSpace(s)), containerdSuffix) {
			t.Fatalf("%q maps to containerd without the %s suffix", s, containerdSuffix)
		}
	})
}
