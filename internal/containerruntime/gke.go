package containerruntime

import (
	"fmt"
	"slices"
	"strings"
)

// legacyDockerImageTypes are the GKE node image types that ran Docker
// through the dockershim; GKE removed them with Kubernetes 1.24.
var legacyDockerImageTypes = []string{"COS", "UBUNTU", "WINDOWS_LTSC", "WINDOWS_SAC"}

// containerdSuffix marks the GKE image types that run containerd
// (COS_CONTAINERD, UBUNTU_CONTAINERD, WINDOWS_LTSC_CONTAINERD, ...).
const containerdSuffix = "_CONTAINERD"

// ForGKEImageType maps a GKE node pool's config.imageType to the container
// runtime its nodes run: Containerd, Docker, or Unknown for anything else (a
// custom or future image type), which makes dockershim_free unknown rather
// than a guess. The comparison ignores case and surrounding spaces.
func ForGKEImageType(imageType string) string {
	t := strings.ToUpper(strings.TrimSpace(imageType))
	if name, ok := strings.CutSuffix(t, containerdSuffix); ok && name != "" {
		return Containerd
	}
	for _, d := range legacyDockerImageTypes {
		if t == d {
			return Docker
		}
	}
	return Unknown
}

// The upgrade readiness of GKE node pools. Every fact cites the GKE
// documentation; where none says, the fact is nil.
//
//   - cgroup mode: the node pool's config.effectiveCgroupMode, "the cgroup
//     mode actually used by the node pool" (EFFECTIVE_CGROUP_MODE_V1/V2;
//     UNSPECIFIED "means ... the node pool is a Windows node pool"), else the
//     requested config.linuxNodeConfig.cgroupMode (CGROUP_MODE_V1/V2), both
//     from the Kubernetes Engine API reference
//     (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/NodeConfig).
//     CGROUP_MODE_UNSPECIFIED means "the default for the GKE node OS image",
//     which depends on the cluster's creation version and on GKE's own
//     migration from 1.33 (https://cloud.google.com/kubernetes-engine/docs/how-to/migrate-cgroupv2):
//     nil. Windows image types: cgroups do not apply.
//   - containerd 2: "Linux nodes that run GKE 1.32 or earlier, with
//     containerd node images, use containerd 1.7 or earlier versions. Linux
//     nodes that run GKE 1.33 use containerd 2.0"; "Windows Server nodes
//     that run GKE 1.34 or earlier ... use containerd 1.7 or earlier
//     versions. Windows Server nodes that run GKE 1.35 use containerd 2.0"
//     (https://cloud.google.com/kubernetes-engine/docs/deprecations/migrate-containerd-2).
//     Legacy Docker image types: not containerd 2.
//   - image support: "GKE does not support node images that use Docker as
//     the runtime in GKE version 1.24 and later"
//     (https://cloud.google.com/kubernetes-engine/docs/deprecations/docker-containerd);
//     COS_CONTAINERD, UBUNTU_CONTAINERD and WINDOWS_LTSC_CONTAINERD are the
//     current image types (https://cloud.google.com/kubernetes-engine/docs/concepts/node-images).
//     Any other image type: nil.
const (
	gkeLinuxContainerd2From   = 33
	gkeWindowsContainerd2From = 35
)

// gkeSupportedImageTypes are the node image types GKE supports today.
var gkeSupportedImageTypes = []string{"COS_CONTAINERD", "UBUNTU_CONTAINERD", "WINDOWS_LTSC_CONTAINERD"}

// ForGKENodePool is the upgrade readiness of the node pool name with the
// image type imageType, the node version version ("1.33.2-gke.1000"), the
// effectiveCgroupMode effective and the linuxNodeConfig.cgroupMode
// requested (either may be empty). See the table above.
func ForGKENodePool(name, imageType, version, effective, requested string) Facts {
	f := Facts{Kind: "node pool", Name: name}
	t := strings.ToUpper(strings.TrimSpace(imageType))
	windows := strings.HasPrefix(t, "WINDOWS_")
	rt := ForGKEImageType(imageType)

	switch {
	case windows:
		f.NoCgroups = true
	case effective == "EFFECTIVE_CGROUP_MODE_V2" || (effective == "" || effective == "EFFECTIVE_CGROUP_MODE_UNSPECIFIED") && requested == "CGROUP_MODE_V2":
		f.CgroupV2 = Bool(true)
	case effective == "EFFECTIVE_CGROUP_MODE_V1" || (effective == "" || effective == "EFFECTIVE_CGROUP_MODE_UNSPECIFIED") && requested == "CGROUP_MODE_V1":
		f.CgroupV2 = Bool(false)
		f.Blockers = append(f.Blockers, "runs cgroup v1, which kubelets refuse by default from Kubernetes 1.35 (set linuxNodeConfig.cgroupMode to CGROUP_MODE_V2)")
	}

	_, minor, ok := parseVersion(version)
	switch {
	case rt == Docker:
		f.Containerd2, f.SupportedImage = Bool(false), Bool(false)
		f.Blockers = append(f.Blockers,
			"image type "+t+" runs Docker, not containerd 2",
			"image type "+t+" is a Docker image, which GKE does not support from 1.24 (move to a _CONTAINERD image type)")
	case rt == Containerd && ok:
		from := gkeLinuxContainerd2From
		if windows {
			from = gkeWindowsContainerd2From
		}
		f.Containerd2 = Bool(minor >= from)
		if minor < from {
			f.Blockers = append(f.Blockers, fmt.Sprintf("nodes on 1.%d run containerd 1.7 or earlier; GKE moves them to containerd 2 at 1.%d", minor, from))
		}
	}
	if slices.Contains(gkeSupportedImageTypes, t) {
		f.SupportedImage = Bool(true)
	}
	return f
}
