package eks

import (
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
)

// ContainerRuntime is the container runtime of a node group with the AMI type
// amiType and the Kubernetes version version ("1.30"), from the table in
// containerruntime.ForEKSAMIType.
func ContainerRuntime(amiType types.AMITypes, version string) string {
	return containerruntime.ForEKSAMIType(string(amiType), version)
}
