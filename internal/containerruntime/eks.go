package containerruntime

import (
	"strconv"
	"strings"
)

// amiFamily is one family of EKS-optimized AMIs, recognized by the prefix of
// its AMI type, and the container runtime its images run.
type amiFamily struct {
	prefix string
	// before124 is the runtime of the family's images for Kubernetes 1.23
	// and older; from 1.24 (the dockershim removal) every family runs
	// containerd.
	before124 string
}

// amiFamilies is the one table that maps EKS node group AMI types to
// container runtimes. Families are matched by prefix so that a new variant
// of a known family (a new GPU or FIPS flavour) is mapped without a code
// change. "AL2023_" must not be mistaken for "AL2_": the prefixes include
// the underscore, so they cannot overlap.
//
// Sources: the EKS-optimized AL2 and Windows AMIs shipped Docker as the
// default runtime up to Kubernetes 1.23 and containerd from 1.24; AL2023 and
// Bottlerocket images only ever shipped containerd.
var amiFamilies = []amiFamily{
	{prefix: "AL2_", before124: Docker},
	{prefix: "AL2023_", before124: Containerd},
	{prefix: "BOTTLEROCKET_", before124: Containerd},
	{prefix: "WINDOWS_", before124: Docker},
}

// ForEKSAMIType is the container runtime of an EKS node group with the AMI
// type amiType ("AL2023_x86_64_STANDARD", case-sensitive as EKS spells it)
// and the Kubernetes version version ("1.30"). It is Unknown for a CUSTOM
// AMI (a launch template's own image may run anything), for an AMI type
// this table does not know, and for a family whose runtime depends on a
// version that cannot be parsed: a guess must not let a dockershim check
// pass.
func ForEKSAMIType(amiType, version string) string {
	for _, f := range amiFamilies {
		if !strings.HasPrefix(amiType, f.prefix) {
			continue
		}
		if f.before124 == Containerd {
			return Containerd
		}
		major, minor, ok := parseVersion(version)
		switch {
		case !ok:
			return Unknown
		case major > 1 || minor >= 24:
			return Containerd
		default:
			return f.before124
		}
	}
	return Unknown
}

// parseVersion reads a managed platform's Kubernetes version ("1.30", also
// "1.30.2" or "v1.30") into its major and minor numbers.
func parseVersion(v string) (major, minor int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	maj, rest, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	mnr, _, _ := strings.Cut(rest, ".")
	major, err1 := strconv.Atoi(maj)
	minor, err2 := strconv.Atoi(mnr)
	// Atoi accepts a sign; a version never has one.
	if err1 != nil || err2 != nil || strings.ContainsAny(maj+mnr, "+-") {
		return 0, 0, false
	}
	return major, minor, true
}
