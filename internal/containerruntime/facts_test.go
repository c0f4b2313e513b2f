package containerruntime

import (
	"slices"
	"strings"
	"testing"
)

// tri shows a fact: "true", "false" or "null".
func tri(b *bool) string {
	switch {
	case b == nil:
		return "null"
	case *b:
		return "true"
	default:
		return "false"
	}
}

// factsRow is what a table says about one unit: containerd 2, cgroup v2
// ("n/a" when cgroups do not apply), supported image, and how many blockers.
type factsRow struct{ containerd2, cgroupV2, supported string }

func rowOf(f Facts) factsRow {
	cg := tri(f.CgroupV2)
	if f.NoCgroups {
		cg = "n/a"
	}
	return factsRow{tri(f.Containerd2), cg, tri(f.SupportedImage)}
}

// checkBlockers checks that a unit has a blocker exactly for each false fact.
func checkBlockers(t *testing.T, what string, f Facts) {
	t.Helper()
	falses := 0
	for _, b := range []*bool{f.Containerd2, f.CgroupV2, f.SupportedImage} {
		if b != nil && !*b {
			falses++
		}
	}
	if len(f.Blockers) != falses {
		t.Errorf("%s: %d false facts but blockers %q", what, falses, f.Blockers)
	}
}

func TestForEKSNodeGroup(t *testing.T) {
	cases := []struct {
		ami, version, release string
		want                  factsRow
	}{
		{"AL2_x86_64", "1.32", "1.32.9-20251120", factsRow{"false", "false", "false"}},
		{"AL2_ARM_64", "1.23", "1.23.17-20240514", factsRow{"false", "false", "false"}},
		{"AL2_x86_64_GPU", "", "", factsRow{"false", "false", "false"}},
		{"AL2023_x86_64_STANDARD", "1.33", "1.33.0-20250704", factsRow{"null", "true", "true"}},
		{"AL2023_ARM_64_NVIDIA", "garbage", "", factsRow{"null", "true", "true"}},
		// Bottlerocket: cgroup v2 from the 1.26 variants, containerd 2
		// from the 1.34 variants or Bottlerocket 1.69.0.
		{"BOTTLEROCKET_x86_64", "1.25", "1.68.9-abc", factsRow{"null", "false", "true"}},
		{"BOTTLEROCKET_x86_64", "1.26", "1.20.0-abc", factsRow{"null", "true", "true"}},
		{"BOTTLEROCKET_ARM_64", "1.33", "1.68.0-abc", factsRow{"null", "true", "true"}},
		{"BOTTLEROCKET_ARM_64", "1.34", "1.47.0-abc", factsRow{"true", "true", "true"}},
		{"BOTTLEROCKET_x86_64_NVIDIA", "1.30", "1.69.0-be6a1e8", factsRow{"true", "true", "true"}},
		{"BOTTLEROCKET_x86_64", "1.30", "2.0.0", factsRow{"true", "true", "true"}},
		{"BOTTLEROCKET_x86_64", "1.30", "1.69", factsRow{"null", "true", "true"}}, // not a release version
		{"BOTTLEROCKET_x86_64", "x", "1.20.0", factsRow{"null", "null", "true"}},
		{"WINDOWS_CORE_2022_x86_64", "1.33", "1.33.0-2025", factsRow{"null", "n/a", "null"}},
		{"CUSTOM", "1.33", "1.33.0-20250704", factsRow{"null", "null", "null"}},
		{"UBUNTU_x86_64", "1.33", "", factsRow{"null", "null", "null"}},
		{"", "1.33", "", factsRow{"null", "null", "null"}},
	}
	for _, c := range cases {
		f := ForEKSNodeGroup("ng", c.ami, c.version, c.release)
		what := c.ami + "@" + c.version + "/" + c.release
		if got := rowOf(f); got != c.want {
			t.Errorf("%s: got %+v, want %+v", what, got, c.want)
		}
		checkBlockers(t, what, f)
	}
	al2 := ForEKSNodeGroup("legacy", "AL2_x86_64", "1.32", "")
	if !strings.Contains(al2.Blockers[0], "AL2_x86_64 AMIs reached end of support on 2025-11-26") {
		t.Errorf("AL2 blocker %q does not name the AMI type and date", al2.Blockers[0])
	}
}

func TestEKSKeyOwner(t *testing.T) {
	cases := []struct{ key, version, want string }{
		{"arn:aws:kms:us-east-1:123456789012:key/k", "1.23", KeyOwnerCustomer},
		{"arn:aws:kms:us-east-1:123456789012:key/k", "", KeyOwnerCustomer},
		{"", "1.27", ""},
		{"", "1.28", KeyOwnerAWS},
		{"", "1.36", KeyOwnerAWS},
		{"", "2.0", KeyOwnerAWS},
		{"", "latest", ""},
	}
	for _, c := range cases {
		if got := EKSKeyOwner(c.key, c.version); got != c.want {
			t.Errorf("EKSKeyOwner(%q, %q) = %q, want %q", c.key, c.version, got, c.want)
		}
	}
}

func TestForGKENodePool(t *testing.T) {
	const v2, v1, un = "EFFECTIVE_CGROUP_MODE_V2", "EFFECTIVE_CGROUP_MODE_V1", "EFFECTIVE_CGROUP_MODE_UNSPECIFIED"
	cases := []struct {
		image, version, effective, requested string
		want                                 factsRow
	}{
		// containerd 2 from 1.33 on Linux, 1.35 on Windows.
		{"COS_CONTAINERD", "1.32.9-gke.100", v2, "", factsRow{"false", "true", "true"}},
		{"COS_CONTAINERD", "1.33.0-gke.100", v2, "", factsRow{"true", "true", "true"}},
		{"UBUNTU_CONTAINERD", "1.33.2-gke.1", v1, "CGROUP_MODE_V1", factsRow{"true", "false", "true"}},
		{"WINDOWS_LTSC_CONTAINERD", "1.34.5-gke.1", un, "", factsRow{"false", "n/a", "true"}},
		{"WINDOWS_LTSC_CONTAINERD", "1.35.0-gke.1", un, "", factsRow{"true", "n/a", "true"}},
		{"WINDOWS_SAC_CONTAINERD", "1.35.0-gke.1", un, "", factsRow{"true", "n/a", "null"}},
		// The effective mode wins; the requested one stands in for it.
		{"COS_CONTAINERD", "1.36.1-gke.1", "", "CGROUP_MODE_V2", factsRow{"true", "true", "true"}},
		{"COS_CONTAINERD", "1.36.1-gke.1", un, "CGROUP_MODE_V1", factsRow{"true", "false", "true"}},
		{"COS_CONTAINERD", "1.36.1-gke.1", v2, "CGROUP_MODE_V1", factsRow{"true", "true", "true"}},
		{"COS_CONTAINERD", "1.36.1-gke.1", "", "CGROUP_MODE_UNSPECIFIED", factsRow{"true", "null", "true"}},
		{"COS_CONTAINERD", "1.36.1-gke.1", "", "", factsRow{"true", "null", "true"}},
		// Legacy Docker image types; unknown ones; unreadable versions.
		{"COS", "1.23.17-gke.1", v1, "", factsRow{"false", "false", "false"}},
		{"WINDOWS_SAC", "1.23.17-gke.1", un, "", factsRow{"false", "n/a", "false"}},
		{"CUSTOM_IMAGE", "1.36.1-gke.1", v2, "", factsRow{"null", "true", "null"}},
		{"COS_CONTAINERD", "", v2, "", factsRow{"null", "true", "true"}},
	}
	for _, c := range cases {
		f := ForGKENodePool("pool", c.image, c.version, c.effective, c.requested)
		what := c.image + "@" + c.version + "/" + c.effective + "/" + c.requested
		if got := rowOf(f); got != c.want {
			t.Errorf("%s: got %+v, want %+v", what, got, c.want)
		}
		checkBlockers(t, what, f)
	}
}

func TestForAKSNodePool(t *testing.T) {
	cases := []struct {
		osType, sku, image, version, now string
		want                             factsRow
	}{
		// End of support at the table's dates.
		{"Linux", "Ubuntu", "AKSUbuntu-1804gen2containerd-2023.01.01", "1.24.9", "2025-06-16", factsRow{"null", "false", "true"}},
		{"Linux", "Ubuntu", "AKSUbuntu-1804gen2containerd-2023.01.01", "1.24.9", "2025-06-17", factsRow{"null", "false", "false"}},
		{"Linux", "Ubuntu", "AKSUbuntu-2004fipscontainerd-202501.01.0", "1.30.1", "2027-03-16", factsRow{"null", "false", "true"}},
		{"Linux", "Ubuntu", "AKSUbuntu-2004fipscontainerd-202501.01.0", "1.30.1", "2027-03-17", factsRow{"null", "false", "false"}},
		{"Linux", "AzureLinux", "AKSAzureLinux-V2gen2-202511.20.0", "1.31.2", "2025-11-29", factsRow{"null", "true", "true"}},
		{"Linux", "AzureLinux", "AKSAzureLinux-V2gen2-202511.20.0", "1.31.2", "2025-11-30", factsRow{"null", "true", "false"}},
		{"Linux", "CBLMariner", "AKSCBLMariner-V2gen2-202405.01.0", "1.29.0", "2026-12-02", factsRow{"null", "true", "false"}},
		{"Linux", "AzureLinux", "AKSAzureLinux-V3gen2-202611.01.0", "1.34.1", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "Ubuntu", "AKSUbuntu-2204gen2containerd-202507.21.0", "1.33.2", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "Ubuntu2404", "AKSUbuntu-2404gen2containerd-202611.01.0", "1.35.0", "2026-12-02", factsRow{"null", "true", "true"}},
		// cgroup v2 from 1.25 only.
		{"Linux", "AzureLinux", "AKSAzureLinux-V2gen2-202301.01.0", "1.24.9", "2025-01-01", factsRow{"null", "null", "true"}},
		// Without an image version: the SKU and the version.
		{"Linux", "Ubuntu", "", "1.24.9", "2026-12-02", factsRow{"null", "false", "false"}},
		{"Linux", "Ubuntu", "", "1.25.0", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "Ubuntu", "", "1.34.9", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "Ubuntu", "", "1.35.0", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "AzureLinux3", "", "1.33.0", "2026-12-02", factsRow{"null", "true", "true"}},
		{"Linux", "Ubuntu", "", "garbage", "2026-12-02", factsRow{"null", "null", "null"}},
		{"Linux", "AzureLinux", "", "1.33.0", "2026-12-02", factsRow{"null", "null", "null"}},
		{"Linux", "CBLMariner", "AKSCBLMariner-V1-202201.01.0", "1.22.0", "2026-12-02", factsRow{"null", "null", "null"}},
		// Docker before 1.19 on Linux and 1.23 on Windows.
		{"Linux", "Ubuntu", "AKSUbuntu-1804gen2-2021.01.01", "1.18.14", "2026-12-02", factsRow{"false", "false", "false"}},
		{"Windows", "Windows2019", "AKSWindows-2019-17763.1817.210310", "1.22.6", "2026-12-02", factsRow{"false", "n/a", "null"}},
		{"Windows", "Windows2022", "AKSWindows-2022-containerd-20348.2031.231011", "1.30.0", "2026-12-02", factsRow{"null", "n/a", "null"}},
		{"Plan9", "", "", "1.30.0", "2026-12-02", factsRow{"null", "null", "null"}},
	}
	for _, c := range cases {
		f := ForAKSNodePool("pool", c.osType, c.sku, c.image, c.version, c.now)
		what := strings.Join([]string{c.osType, c.sku, c.image, c.version, c.now}, "/")
		if got := rowOf(f); got != c.want {
			t.Errorf("%s: got %+v, want %+v", what, got, c.want)
		}
		checkBlockers(t, what, f)
	}
}

func TestSummarizeLeavesOutUnitsWithoutCgroups(t *testing.T) {
	win := Facts{Kind: "node pool", Name: "win", NoCgroups: true}
	linux := Facts{Kind: "node pool", Name: "linux", CgroupV2: Bool(true)}
	if r := Summarize([]Facts{win, linux}); tri(r.CgroupV2) != "true" {
		t.Errorf("windows and a cgroup v2 pool: cgroup_v2 = %s, want true", tri(r.CgroupV2))
	}
	if r := Summarize([]Facts{win}); tri(r.CgroupV2) != "null" {
		t.Errorf("only windows: cgroup_v2 = %s, want null", tri(r.CgroupV2))
	}
	units := []Facts{win, linux}
	Summarize(units)
	if names := []string{units[0].Name, units[1].Name}; !slices.Equal(names, []string{"win", "linux"}) {
		t.Errorf("Summarize changed its input: %q", names)
	}
}

// FuzzReadinessTables holds the three tables to their invariants on any
// input: no panic, exactly one blocker per false fact, a Windows unit never
// has a cgroup fact, and nothing is true about an unknown image.
func FuzzReadinessTables(f *testing.F) {
	f.Add("AL2_x86_64", "1.32", "1.32.9-20251120", "Linux", "Ubuntu", "AKSUbuntu-1804gen2containerd-2023", "2026-12-02", "EFFECTIVE_CGROUP_MODE_V1")
	f.Add("BOTTLEROCKET_ARM_64", "1.25", "1.69.0-x", "Windows", "Windows2022", "AKSWindows-2022", "2025-01-01", "")
	f.Add("CUSTOM", "x", "", "Linux", "AzureLinux", "AKSAzureLinux-V2gen2-1", "2025-11-30", "EFFECTIVE_CGROUP_MODE_UNSPECIFIED")
	f.Fuzz(func(t *testing.T, ami, version, release, osType, sku, image, now, cgroupMode string) {
		units := []Facts{
			ForEKSNodeGroup("ng", ami, version, release),
			ForGKENodePool("pool", image, version, cgroupMode, sku),
			ForAKSNodePool("pool", osType, sku, image, version, now),
		}
		for _, u := range units {
			checkBlockers(t, "fuzzed unit", u)
			if u.NoCgroups && u.CgroupV2 != nil {
				t.Fatalf("a unit without cgroups has a cgroup fact: %+v", u)
			}
		}
		if !strings.HasPrefix(ami, "AL2") && !strings.HasPrefix(ami, "BOTTLEROCKET_") && !strings.HasPrefix(ami, "WINDOWS_") {
			if r := rowOf(units[0]); r != (factsRow{"null", "null", "null"}) {
				t.Fatalf("ForEKSNodeGroup(%q) = %+v for an AMI type of no known family", ami, r)
			}
		}
	})
}
