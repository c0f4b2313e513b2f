package eks

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// TestContainerRuntimeEveryAMIType pins the runtime of every AMI type the SDK
// knows, before and from Kubernetes 1.24. When an SDK upgrade adds an AMI
// type, this test fails until the new type is added here with its runtime.
func TestContainerRuntimeEveryAMIType(t *testing.T) {
	const c, d, u = kube.RuntimeContainerd, kube.RuntimeDocker, kube.RuntimeUnknown
	// AMI type -> runtime at 1.23, runtime at 1.24.
	want := map[types.AMITypes][2]string{
		"AL2_x86_64":                      {d, c},
		"AL2_x86_64_GPU":                  {d, c},
		"AL2_ARM_64":                      {d, c},
		"CUSTOM":                          {u, u},
		"BOTTLEROCKET_ARM_64":             {c, c},
		"BOTTLEROCKET_x86_64":             {c, c},
		"BOTTLEROCKET_ARM_64_FIPS":        {c, c},
		"BOTTLEROCKET_x86_64_FIPS":        {c, c},
		"BOTTLEROCKET_ARM_64_NVIDIA":      {c, c},
		"BOTTLEROCKET_x86_64_NVIDIA":      {c, c},
		"BOTTLEROCKET_ARM_64_NVIDIA_FIPS": {c, c},
		"BOTTLEROCKET_x86_64_NVIDIA_FIPS": {c, c},
		"WINDOWS_CORE_2019_x86_64":        {d, c},
		"WINDOWS_FULL_2019_x86_64":        {d, c},
		"WINDOWS_CORE_2022_x86_64":        {d, c},
		"WINDOWS_FULL_2022_x86_64":        {d, c},
		"WINDOWS_CORE_2025_x86_64":        {d, c},
		"WINDOWS_FULL_2025_x86_64":        {d, c},
		"AL2023_x86_64_STANDARD":          {c, c},
		"AL2023_ARM_64_STANDARD":          {c, c},
		"AL2023_x86_64_NEURON":            {c, c},
		"AL2023_x86_64_NVIDIA":            {c, c},
		"AL2023_ARM_64_NVIDIA":            {c, c},
	}
	values := types.AMITypes("").Values()
	if len(values) == 0 {
		t.Fatal("the SDK lists no AMI types")
	}
	for _, ami := range values {
		w, ok := want[ami]
		if !ok {
			t.Errorf("AMI type %q of the SDK has no expected runtime in this test: decide its runtime, add it to amiFamilies if needed, and list it here", ami)
			continue
		}
		for i, version := range []string{"1.23", "1.24"} {
			if got := ContainerRuntime(ami, version); got != w[i] {
				t.Errorf("ContainerRuntime(%q, %q) = %q, want %q", ami, version, got, w[i])
			}
		}
		// Later and much older versions follow the same rule.
		if got := ContainerRuntime(ami, "1.36"); got != w[1] {
			t.Errorf("ContainerRuntime(%q, 1.36) = %q, want %q", ami, got, w[1])
		}
		if got := ContainerRuntime(ami, "1.16"); got != w[0] {
			t.Errorf("ContainerRuntime(%q, 1.16) = %q, want %q", ami, got, w[0])
		}
	}
	for ami := range want {
		if !slices.Contains(values, ami) {
			t.Errorf("AMI type %q is expected here but the SDK no longer lists it", ami)
		}
	}
}

func TestContainerRuntimeEdgeCases(t *testing.T) {
	cases := []struct {
		ami     types.AMITypes
		version string
		want    string
	}{
		{"AL2_x86_64", "", kube.RuntimeUnknown},                       // docker or containerd: cannot tell
		{"AL2_x86_64", "latest", kube.RuntimeUnknown},                 // not a version
		{"WINDOWS_CORE_2019_x86_64", "1.x", kube.RuntimeUnknown},      // not a version
		{"AL2_x86_64", "v1.23", kube.RuntimeDocker},                   // a leading v is tolerated
		{"AL2_x86_64", "1.24.9", kube.RuntimeContainerd},              // a patch is tolerated
		{"AL2_x86_64", "2.0", kube.RuntimeContainerd},                 // a future major
		{"BOTTLEROCKET_x86_64", "", kube.RuntimeContainerd},           // always containerd
		{"AL2023_x86_64_STANDARD", "garbage", kube.RuntimeContainerd}, // always containerd
		{"AL2_FUTURE_VARIANT", "1.30", kube.RuntimeContainerd},        // a new variant of a known family
		{"UBUNTU_x86_64", "1.30", kube.RuntimeUnknown},                // an unknown family
		{"", "1.30", kube.RuntimeUnknown},
		{"al2_x86_64", "1.30", kube.RuntimeUnknown}, // AMI types are case-sensitive
		{"AL2", "1.30", kube.RuntimeUnknown},        // no family without the underscore
	}
	for _, tc := range cases {
		if got := ContainerRuntime(tc.ami, tc.version); got != tc.want {
			t.Errorf("ContainerRuntime(%q, %q) = %q, want %q", tc.ami, tc.version, got, tc.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in           string
		major, minor int
		ok           bool
	}{
		{"1.30", 1, 30, true},
		{"v1.24", 1, 24, true},
		{" 1.23 ", 1, 23, true},
		{"1.29.3", 1, 29, true},
		{"1", 0, 0, false},
		{"", 0, 0, false},
		{"1.", 0, 0, false},
		{".30", 0, 0, false},
		{"1.+5", 0, 0, false},
		{"-1.30", 0, 0, false},
		{"1.30-eks", 0, 0, false},
	}
	for _, tc := range cases {
		major, minor, ok := ParseVersion(tc.in)
		if major != tc.major || minor != tc.minor || ok != tc.ok {
			t.Errorf("ParseVersion(%q) = %d, %d, %v; want %d, %d, %v", tc.in, major, minor, ok, tc.major, tc.minor, tc.ok)
		}
	}
}

// FuzzContainerRuntime checks the mapping's invariants on any input: it
// never panics, answers one of three runtimes, answers docker only for a
// docker family on a parsed version before 1.24, and unknown only when no
// family matches or the version of a docker family cannot be read.
func FuzzContainerRuntime(f *testing.F) {
	for _, ami := range types.AMITypes("").Values() {
		f.Add(string(ami), "1.23")
		f.Add(string(ami), "1.24")
	}
	for _, seed := range [][2]string{{"AL2_x86_64", ""}, {"AL2_x86_64", "v1.9"}, {"WINDOWS_X", "1.23.99"}, {"AL2023_", "x"}, {"", ""}, {"AL2_", "1.-1"}, {"AL2_", "01.023"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, ami, version string) {
		got := ContainerRuntime(types.AMITypes(ami), version)
		major, minor, ok := ParseVersion(version)
		var family *amiFamily
		for i := range amiFamilies {
			if strings.HasPrefix(ami, amiFamilies[i].prefix) {
				family = &amiFamilies[i]
			}
		}
		switch got {
		case kube.RuntimeDocker:
			if family == nil || family.before124 != kube.RuntimeDocker || !ok || major > 1 || minor >= 24 {
				t.Fatalf("ContainerRuntime(%q, %q) = docker, which only a docker family before 1.24 runs", ami, version)
			}
		case kube.RuntimeUnknown:
			if family != nil && (family.before124 != kube.RuntimeDocker || ok) {
				t.Fatalf("ContainerRuntime(%q, %q) = unknown for a known family and a readable version", ami, version)
			}
		case kube.RuntimeContainerd:
			if family == nil {
				t.Fatalf("ContainerRuntime(%q, %q) = containerd for an unknown AMI family", ami, version)
			}
		default:
			t.Fatalf("ContainerRuntime(%q, %q) = %q, not a runtime name", ami, version, got)
		}
	})
}

// FuzzParseVersion checks that a parsed version prints back to the same
// numbers, and that nothing panics.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.30", "v1.24", "1.29.3", "", "1", "1.", "+1.2", "1.2.3.4", "9999999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		major, minor, ok := ParseVersion(s)
		if !ok {
			if major != 0 || minor != 0 {
				t.Fatalf("ParseVersion(%q) failed but returned %d.%d", s, major, minor)
			}
			return
		}
		if major < 0 || minor < 0 {
			t.Fatalf("ParseVersion(%q) = %d.%d, a negative number", s, major, minor)
		}
		if m2, n2, ok2 := ParseVersion(strconv.Itoa(major) + "." + strconv.Itoa(minor)); !ok2 || m2 != major || n2 != minor {
			t.Fatalf("ParseVersion(%q) = %d.%d does not round-trip", s, major, minor)
		}
	})
}
