package gke

import (
	"strings"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// legacyDockerImageTypes are the node image types that ran Docker through
// the dockershim; GKE removed them with Kubernetes 1.24.
var legacyDockerImageTypes = []string{"COS", "UBUNTU", "WINDOWS_LTSC", "WINDOWS_SAC"}

// containerdSuffix marks the image types that run containerd
// (COS_CONTAINERD, UBUNTU_CONTAINERD, WINDOWS_LTSC_CONTAINERD, ...).
const containerdSuffix = "_CONTAINERD"

// ContainerRuntime maps a node pool's config.imageType to the container
// runtime its nodes run: kube.RuntimeContainerd, kube.RuntimeDocker, or
// kube.RuntimeUnknown for anything else (a custom or future image type),
// which makes dockershim_free unknown rather than a guess. The comparison
// ignores case and surrounding spaces.
func ContainerRuntime(imageType string) string {
	t := strings.ToUpper(strings.TrimSpace(imageType))
	if name, ok := strings.CutSuffix(t, containerdSuffix); ok && name != "" {
		return kube.RuntimeContainerd
	}
	for _, d := range legacyDockerImageTypes {
		if t == d {
			return kube.RuntimeDocker
		}
	}
	return kube.RuntimeUnknown
}
