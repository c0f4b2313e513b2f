package gke

import "github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"

// ContainerRuntime maps a node pool's config.imageType to the container
// runtime its nodes run, from the table in containerruntime.ForGKEImageType.
func ContainerRuntime(imageType string) string {
	return containerruntime.ForGKEImageType(imageType)
}
