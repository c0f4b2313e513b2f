package eks

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
)

// TestContainerRuntimeEveryAMIType pins the runtime of every AMI type the SDK
// knows, before and from Kubernetes 1.24. When an SDK upgrade adds an AMI
// type, this test fails until the new type is added here with its runtime.
func TestContainerRuntimeEveryAMIType(t *testing.T) {
	const c, d, u = containerruntime.Containerd, containerruntime.Docker, containerruntime.Unknown
	// AMI type -> runtime at 1.23, runtime at 1.24.
	want := map[types.AMITypes][2]string{
		"AL2_x86_64":                      {d, c},
		"AL2_x86_64_GPU":                  {d, c},
		"AL2_ARM_64":                      {d, c},
		"CUSTOM":                          {u, u},
		"BOTTLEROCKET_ARM_64":             {c, c},
		"BOTTLEROCKET_x86_64":             {c, c},
		"BOTTLEROCKET_ARM_64_FIPS":        {c, c},
		"BOTTLEROCKET_x86_64_FIPS":        {c, c},
		"BOTTLEROCKET_ARM_64_NVIDIA":      {c, c},
		"BOTTLEROCKET_x86_64_NVIDIA":      {c, c},
		"BOTTLEROCKET_ARM_64_NVIDIA_FIPS": {c, c},
		"BOTTLEROCKET_x86_64_NVIDIA_FIPS": {c, c},
		"WINDOWS_CORE_2019_x86_64":        {d, c},
		"WINDOWS_FULL_2019_x86_64":        {d, c},
		"WINDOWS_CORE_2022_x86_64":        {d, c},
		"WINDOWS_FULL_2022_x86_64":        {d, c},
		"WINDOWS_CORE_2025_x86_64":        {d, c},
		"WINDOWS_FULL_2025_x86_64":        {d, c},
		"AL2023_x86_64_STANDARD":          {c, c},
		"AL2023_ARM_64_STANDARD":          {c, c},
		"AL2023_x86_64_NEURON":            {c, c},
		"AL2023_x86_64_NVIDIA":            {c, c},
		"AL2023_ARM_64_NVIDIA":            {c, c},
	}
	values := types.AMITypes("").Values()
	if len(values) == 0 {
		t.Fatal("the SDK lists no AMI types")
	}
	for _, ami := range values {
		w, ok := want[ami]
		if !ok {
			t.Errorf("AMI type %q of the SDK has no expected runtime in this test: decide its runtime, add it to the table of containerruntime.ForEKSAMIType if needed, and list it here", ami)
			continue
		}
		for i, version := range []string{"1.23", "1.24"} {
			if got := ContainerRuntime(ami, version); got != w[i] {
				t.Errorf("ContainerRuntime(%q, %q) = %q, want %q", ami, version, got, w[i])
			}
		}
		// Later and much older versions follow the same rule.
		if got := ContainerRuntime(ami, "1.36"); got != w[1] {
			t.Errorf("ContainerRuntime(%q, 1.36) = %q, want %q", ami, got, w[1])
		}
		if got := ContainerRuntime(ami, "1.16"); got != w[0] {
			t.Errorf("ContainerRuntime(%q, 1.16) = %q, want %q", ami, got, w[0])
		}
	}
	for ami := range want {
		if !slices.Contains(values, ami) {
			t.Errorf("AMI type %q is expected here but the SDK no longer lists it", ami)
		}
	}
}
