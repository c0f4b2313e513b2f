package containerruntime

import (
	"strings"
	"testing"
)

// TestKubeletSkew covers each row of the skew table at its boundaries, a
// newer kubelet, and versions that cannot be compared.
func TestKubeletSkew(t *testing.T) {
	cases := []struct {
		api, kubelet string
		skew         int
		blocker      string // a part of the blocker; "" for none
		ok           bool
	}{
		{"v1.36.3", "v1.36.1", 0, "", true},
		{"v1.36.3", "v1.33.9", 3, "", true},
		{"v1.36.3", "v1.32.0", 4, "is 4 minor versions older than the API server (1.36); the version skew policy allows 3 (" + SkewPolicyURL + ")", true},
		{"v1.36.3", "v1.37.0", -1, "is newer than the API server (1.36); the version skew policy never allows that", true},
		// The first API server of the three-minor rule, and the last of the two-minor one.
		{"v1.28.0", "v1.25.16", 3, "", true},
		{"v1.28.0", "v1.24.17", 4, "allows 3", true},
		{"v1.27.9", "v1.25.3", 2, "", true},
		{"v1.27.9", "v1.24.17", 3, "is 3 minor versions older than the API server (1.27); the version skew policy allows 2", true},
		// Managed platforms' suffixes.
		{"v1.30.4-eks-a737599", "v1.27.16-eks-a737599", 3, "", true},
		{"v1.33.5-gke.1014001", "v1.29.1-gke.1", 4, "allows 3", true},
		{"v1.36.3", "", 0, "", false},
		{"v1.36.3", "unknown", 0, "", false},
		{"v2.0.0", "v1.36.0", 0, "", false},
	}
	for _, tc := range cases {
		skew, blocker, ok := KubeletSkew(tc.api, tc.kubelet)
		if ok != tc.ok || skew != tc.skew {
			t.Errorf("KubeletSkew(%q, %q) = %d, ok %v; want %d, ok %v", tc.api, tc.kubelet, skew, ok, tc.skew, tc.ok)
		}
		if (tc.blocker == "") != (blocker == "") || !strings.Contains(blocker, tc.blocker) {
			t.Errorf("KubeletSkew(%q, %q) blocker %q, want one containing %q", tc.api, tc.kubelet, blocker, tc.blocker)
		}
	}
}

func TestMaxKubeletSkew(t *testing.T) {
	for minor, want := range map[int]int{0: 2, 27: 2, 28: 3, 36: 3} {
		if got := MaxKubeletSkew(minor); got != want {
			t.Errorf("MaxKubeletSkew(%d) = %d, want %d", minor, got, want)
		}
	}
}
