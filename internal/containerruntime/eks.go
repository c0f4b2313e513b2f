package containerruntime

import (
	"fmt"
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

// The upgrade readiness of EKS managed node groups, per AMI family. Every
// fact cites the EKS or Bottlerocket documentation; where none says, the
// fact is nil.
//
//   - AL2 (AL2_*): cgroup v1, containerd 1.x, past end of support.
//     https://docs.aws.amazon.com/eks/latest/userguide/al2023.html says that
//     EKS stopped publishing EKS-optimized AL2 AMIs on 2025-11-26 (and no AL2
//     AMI exists for Kubernetes 1.33 and later); the same page lists cgroup v2
//     among what AL2023 changes from AL2, which runs cgroup v1. The AL2 AMI
//     release notes (https://github.com/awslabs/amazon-eks-ami/releases) list
//     containerd 1.x in every AL2 image.
//   - AL2023 (AL2023_*): cgroup v2 ("AL2023 uses cgroup v2 by default", the
//     Kubernetes 1.35 notes of
//     https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html),
//     and supported for all supported Kubernetes versions (al2023.html). Its
//     containerd major per version is not in the EKS documentation: nil.
//   - Bottlerocket (BOTTLEROCKET_*): cgroup v2 from the aws-k8s-1.26
//     variants; aws-k8s-1.25 and older boot with
//     systemd.unified_cgroup_hierarchy=0, cgroup v1
//     (https://bottlerocket.dev/en/os/1.26.x/version-information/variants).
//     containerd 2 in the k8s-1.34 and later variants (Bottlerocket 1.47.0
//     release notes: "All k8s-1.34 variants use ... containerd-2.1"), and in
//     every variant from Bottlerocket 1.69.0 ("Use containerd 2.3 in all
//     variants"), read from the node group's release version, which is the
//     Bottlerocket version ("1.69.0-..."). Older variants: nil.
//   - Windows (WINDOWS_*): cgroups do not apply (NoCgroups); containerd major
//     and image support are not in these tables: nil.
//   - CUSTOM (a launch template's own AMI) or an AMI type not known here:
//     nil throughout.
const (
	eksAL2EndOfSupport = "2025-11-26"
	// bottlerocketCgroupV2From is the first Kubernetes minor whose
	// Bottlerocket variants run cgroup v2.
	bottlerocketCgroupV2From = 26
	// bottlerocketContainerd2From is the first Kubernetes minor whose
	// Bottlerocket variants run containerd 2.
	bottlerocketContainerd2From = 34
)

// bottlerocketContainerd2Release is the first Bottlerocket release that
// runs containerd 2 in every variant.
var bottlerocketContainerd2Release = [3]int{1, 69, 0}

// ForEKSNodeGroup is the upgrade readiness of the managed node group name
// with the AMI type amiType, the Kubernetes version version ("1.33") and the
// AMI release version release ("1.33.0-20250704" or, for Bottlerocket,
// "1.42.0-a3f2b5c1"). See the table above.
func ForEKSNodeGroup(name, amiType, version, release string) Facts {
	f := Facts{Kind: "node group", Name: name}
	_, minor, versionOK := parseVersion(version)
	switch {
	case strings.HasPrefix(amiType, "AL2_"):
		f.CgroupV2, f.Containerd2, f.SupportedImage = Bool(false), Bool(false), Bool(false)
		f.Blockers = []string{
			amiType + " AMIs reached end of support on " + eksAL2EndOfSupport + " (move to AL2023 or Bottlerocket)",
			amiType + " AMIs run cgroup v1, which kubelets refuse by default from Kubernetes 1.35",
			amiType + " AMIs never shipped containerd 2; Kubernetes 1.35 is the last EKS release that supports containerd 1.x",
		}
	case strings.HasPrefix(amiType, "AL2023_"):
		f.CgroupV2, f.SupportedImage = Bool(true), Bool(true)
	case strings.HasPrefix(amiType, "BOTTLEROCKET_"):
		f.SupportedImage = Bool(true)
		if versionOK {
			f.CgroupV2 = Bool(minor >= bottlerocketCgroupV2From)
			if minor < bottlerocketCgroupV2From {
				f.Blockers = append(f.Blockers, fmt.Sprintf("Bottlerocket variants for Kubernetes 1.%d run cgroup v1; those for 1.%d and later run cgroup v2", minor, bottlerocketCgroupV2From))
			}
		}
		if versionOK && minor >= bottlerocketContainerd2From {
			f.Containerd2 = Bool(true)
		} else if r, ok := parseTriple(release); ok && !tripleLess(r, bottlerocketContainerd2Release) {
			f.Containerd2 = Bool(true)
		}
	case strings.HasPrefix(amiType, "WINDOWS_"):
		f.NoCgroups = true
	}
	return f
}

// EKS secrets encryption key owners.
const (
	KeyOwnerCustomer = "customer"
	KeyOwnerAWS      = "aws"
)

// eksDefaultEnvelopeFrom is the first Kubernetes minor on which EKS
// encrypts all Kubernetes API data with KMS v2 under an AWS-owned key:
// "Amazon EKS provides default envelope encryption for all Kubernetes API
// data in EKS clusters running Kubernetes version 1.28 or higher"
// (https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html).
const eksDefaultEnvelopeFrom = 28

// EKSKeyOwner says who owns the KMS key that encrypts a cluster's Secrets:
// KeyOwnerCustomer when keyARN is set, KeyOwnerAWS when it is not and the
// cluster runs Kubernetes 1.28 or later, and "" (no envelope encryption, or
// a version that cannot be read) otherwise.
func EKSKeyOwner(keyARN, version string) string {
	if keyARN != "" {
		return KeyOwnerCustomer
	}
	major, minor, ok := parseVersion(version)
	if ok && (major > 1 || minor >= eksDefaultEnvelopeFrom) {
		return KeyOwnerAWS
	}
	return ""
}

// parseTriple reads "1.69.0" or "1.69.0-be6a1e8" into its three numbers.
func parseTriple(v string) (t [3]int, ok bool) {
	v, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "v"), "-")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return t, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
			return [3]int{}, false
		}
		t[i] = n
	}
	return t, true
}

func tripleLess(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
