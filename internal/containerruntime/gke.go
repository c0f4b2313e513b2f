package containerruntime

import "strings"

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
