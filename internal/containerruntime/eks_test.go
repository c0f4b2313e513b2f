package containerruntime

import (
	"strconv"
	"strings"
	"testing"
)

func TestForEKSAMITypeEdgeCases(t *testing.T) {
	cases := []struct {
		ami     string
		version string
		want    string
	}{
		{"AL2_x86_64", "", Unknown},                       // docker or containerd: cannot tell
		{"AL2_x86_64", "latest", Unknown},                 // not a version
		{"WINDOWS_CORE_2019_x86_64", "1.x", Unknown},      // not a version
		{"AL2_x86_64", "v1.23", Docker},                   // a leading v is tolerated
		{"AL2_x86_64", "1.24.9", Containerd},              // a patch is tolerated
		{"AL2_x86_64", "2.0", Containerd},                 // a future major
		{"BOTTLEROCKET_x86_64", "", Containerd},           // always containerd
		{"AL2023_x86_64_STANDARD", "garbage", Containerd}, // always containerd
		{"AL2_FUTURE_VARIANT", "1.30", Containerd},        // a new variant of a known family
		{"UBUNTU_x86_64", "1.30", Unknown},                // an unknown family
		{"", "1.30", Unknown},
		{"al2_x86_64", "1.30", Unknown}, // AMI types are case-sensitive
		{"AL2", "1.30", Unknown},        // no family without the underscore
	}
	for _, tc := range cases {
		if got := ForEKSAMIType(tc.ami, tc.version); got != tc.want {
			t.Errorf("ForEKSAMIType(%q, %q) = %q, want %q", tc.ami, tc.version, got, tc.want)
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
		major, minor, ok := parseVersion(tc.in)
		if major != tc.major || minor != tc.minor || ok != tc.ok {
			t.Errorf("parseVersion(%q) = %d, %d, %v; want %d, %d, %v", tc.in, major, minor, ok, tc.major, tc.minor, tc.ok)
		}
	}
}

// FuzzForEKSAMIType checks the mapping's invariants on any input: it
// never panics, answers one of three runtimes, answers docker only for a
// docker family on a parsed version before 1.24, and unknown only when no
// family matches or the version of a docker family cannot be read.
func FuzzForEKSAMIType(f *testing.F) {
	// One AMI type of each family, and ones of no family.
	for _, ami := range []string{"AL2_x86_64", "AL2_ARM_64", "AL2023_x86_64_STANDARD", "BOTTLEROCKET_ARM_64_NVIDIA", "WINDOWS_CORE_2022_x86_64", "CUSTOM"} {
		f.Add(ami, "1.23")
		f.Add(ami, "1.24")
	}
	for _, seed := range [][2]string{{"AL2_x86_64", ""}, {"AL2_x86_64", "v1.9"}, {"WINDOWS_X", "1.23.99"}, {"AL2023_", "x"}, {"", ""}, {"AL2_", "1.-1"}, {"AL2_", "01.023"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, ami, version string) {
		got := ForEKSAMIType(ami, version)
		major, minor, ok := parseVersion(version)
		var family *amiFamily
		for i := range amiFamilies {
			if strings.HasPrefix(ami, amiFamilies[i].prefix) {
				family = &amiFamilies[i]
			}
		}
		switch got {
		case Docker:
			if family == nil || family.before124 != Docker || !ok || major > 1 || minor >= 24 {
				t.Fatalf("ForEKSAMIType(%q, %q) = docker, which only a docker family before 1.24 runs", ami, version)
			}
		case Unknown:
			if family != nil && (family.before124 != Docker || ok) {
				t.Fatalf("ForEKSAMIType(%q, %q) = unknown for a known family and a readable version", ami, version)
			}
		case Containerd:
			if family == nil {
				t.Fatalf("ForEKSAMIType(%q, %q) = containerd for an unknown AMI family", ami, version)
			}
		default:
			t.Fatalf("ForEKSAMIType(%q, %q) = %q, not a runtime name", ami, version, got)
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
		major, minor, ok := parseVersion(s)
		if !ok {
			if major != 0 || minor != 0 {
				t.Fatalf("parseVersion(%q) failed but returned %d.%d", s, major, minor)
			}
			return
		}
		if major < 0 || minor < 0 {
			t.Fatalf("parseVersion(%q) = %d.%d, a negative number", s, major, minor)
		}
		if m2, n2, ok2 := parseVersion(strconv.Itoa(major) + "." + strconv.Itoa(minor)); !ok2 || m2 != major || n2 != minor {
			t.Fatalf("parseVersion(%q) = %d.%d does not round-trip", s, major, minor)
		}
	})
}
