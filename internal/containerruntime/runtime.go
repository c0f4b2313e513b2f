// Package containerruntime is the container runtime model: the runtime
// names the data sources report, parsing a node's runtime version,
// DockershimFree, the platform guess from a version string, and one table
// per managed platform that maps a node image to the runtime it runs (EKS
// AMI types, GKE image types). It makes no API calls and imports no client,
// so the cloud packages use it without pulling in client-go.
package containerruntime

import (
	"regexp"
	"strconv"
	"strings"
)

// Container runtime names reported by the data sources.
const (
	Containerd = "containerd"
	CRIO       = "cri-o"
	Docker     = "docker"
	Unknown    = "unknown"
)

var runtimeNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// Parse splits a node's status.nodeInfo.containerRuntimeVersion
// ("containerd://1.7.27", "cri-o://1.30.1", "docker://24.0.7") into the runtime
// name and version. Anything that is not "<name>://<version>" with a plausible
// name ("Unknown", "", "containerd", "://1.0") is Unknown with no version.
func Parse(s string) (name, version string) {
	s = strings.TrimSpace(s)
	scheme, ver, ok := strings.Cut(s, "://")
	if !ok {
		return Unknown, ""
	}
	scheme = strings.ToLower(scheme)
	if !runtimeNameRE.MatchString(scheme) || strings.ContainsAny(ver, " \t\n") {
		return Unknown, ""
	}
	return scheme, ver
}

// DockershimFree says whether none of runtimes is Docker. It is nil (not
// known) when runtimes is empty or any of them is unknown: the answer is
// then a guess, and a guess must not pass a CI check.
func DockershimFree(runtimes []string) *bool {
	if len(runtimes) == 0 {
		return nil
	}
	free := true
	for _, r := range runtimes {
		switch r {
		case Unknown:
			return nil
		case Docker:
			free = false
		}
	}
	return &free
}

// Platform guesses the managed platform from the API server's gitVersion
// ("v1.30.4-eks-a737599", "v1.30.5-gke.1014001") and, failing that, from the
// nodes' spec.providerID prefixes ("aws://", "gce://", "azure://"). AKS
// builds carry no suffix, so they are only recognized by their nodes.
func Platform(gitVersion string, providerIDs []string) string {
	v := strings.ToLower(gitVersion)
	for _, p := range platforms {
		if strings.Contains(v, p.versionMark) {
			return p.name
		}
	}
	for _, id := range providerIDs {
		for _, p := range platforms {
			if strings.HasPrefix(id, p.providerID) {
				return p.name
			}
		}
	}
	return "other"
}

// platforms are what tells each managed platform: a mark in the API
// server's gitVersion, and the prefix of its nodes' spec.providerID.
var platforms = []struct{ name, versionMark, providerID string }{
	{"eks", "-eks-", "aws://"},
	{"gke", "-gke.", "gce://"},
	{"aks", "-aks", "azure://"},
}

// Major returns the major version of a runtime version such as "2.0.5",
// "1.7.27-1" or "v1.30.1"; ok is false when it does not start with one.
func Major(version string) (major int, ok bool) {
	v := strings.TrimPrefix(version, "v")
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(v)
	}
	if end == 0 || end > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}
