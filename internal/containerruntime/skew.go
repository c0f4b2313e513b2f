package containerruntime

import (
	"fmt"
	"regexp"
	"strconv"
)

// SkewPolicyURL is the Kubernetes version skew policy, the source of
// kubeletSkewTable.
const SkewPolicyURL = "https://kubernetes.io/releases/version-skew-policy/"

// kubeletSkewTable is how many minor versions a kubelet may be older than
// kube-apiserver, by the API server's minor version, newest row first
// (https://kubernetes.io/releases/version-skew-policy/#kubelet: "kubelet
// must not be newer than kube-apiserver, and may be up to three minor
// versions older"; before Kubernetes 1.28, KEP-3935, two minor versions
// older). A kubelet newer than the API server is never supported.
var kubeletSkewTable = []struct {
	fromAPIServerMinor int // this row holds for API servers 1.<fromAPIServerMinor> and later
	maxOlder           int
}{
	{28, 3},
	{0, 2},
}

var kubeVersionRE = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(?:[.+\-]|$)`)

// KubeMinor returns the major and minor of a Kubernetes version such as
// "v1.36.3", "v1.30.4-eks-a737599" or "1.29"; ok is false for anything else.
func KubeMinor(version string) (major, minor int, ok bool) {
	m := kubeVersionRE.FindStringSubmatch(version)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// KubeletSkew compares a kubelet's version with the API server's, both as
// Kubernetes versions ("v1.36.3"). skew is the API server's minor minus the
// kubelet's (negative for a newer kubelet); blocker is empty when the skew is
// supported, else a reason for a readiness blocker line. ok is false when
// either version cannot be parsed, or their majors differ: nothing can then
// be told.
func KubeletSkew(apiServer, kubelet string) (skew int, blocker string, ok bool) {
	aMajor, aMinor, ok1 := KubeMinor(apiServer)
	kMajor, kMinor, ok2 := KubeMinor(kubelet)
	if !ok1 || !ok2 || aMajor != kMajor {
		return 0, "", false
	}
	skew = aMinor - kMinor
	maxOlder := MaxKubeletSkew(aMinor)
	switch {
	case skew < 0:
		blocker = fmt.Sprintf("kubelet %s is newer than the API server (%d.%d); the version skew policy never allows that (%s)",
			kubelet, aMajor, aMinor, SkewPolicyURL)
	case skew > maxOlder:
		blocker = fmt.Sprintf("kubelet %s is %d minor versions older than the API server (%d.%d); the version skew policy allows %d (%s)",
			kubelet, skew, aMajor, aMinor, maxOlder, SkewPolicyURL)
	}
	return skew, blocker, true
}

// MaxKubeletSkew is how many minor versions older than an API server 1.<minor>
// a kubelet may be.
func MaxKubeletSkew(apiServerMinor int) int {
	for _, row := range kubeletSkewTable {
		if apiServerMinor >= row.fromAPIServerMinor {
			return row.maxOlder
		}
	}
	return 0
}
