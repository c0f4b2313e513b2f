package containerruntime

import "strings"

// aksOSTypes is the one table of AKS node pools: per OS type, the first
// Kubernetes minor version whose pools run containerd; older pools ran
// Docker. The managed-clusters API has no runtime field, so the OS type and
// the pool's version are all there is to go by; the OS SKU (Ubuntu,
// AzureLinux, CBLMariner, Windows2019, Windows2022, ...) does not change it.
//
// Sources: "Container runtime configuration",
// https://learn.microsoft.com/azure/aks/cluster-configuration#container-runtime-configuration
// (Linux node pools use containerd from Kubernetes 1.19), and the Windows
// containerd pages, https://learn.microsoft.com/azure/aks/windows-faq and
// https://learn.microsoft.com/azure/aks/learn/quick-windows-container-deploy-cli
// (Windows node pools use containerd from Kubernetes 1.23; Docker before).
var aksOSTypes = map[string]int{
	"linux":   19,
	"windows": 23,
}

// ForAKS is the container runtime of an AKS node pool with the given
// osType ("Linux", "Windows"; case ignored), osSKU and orchestratorVersion
// ("1.30.2", the pool's current version). It is Unknown for an OS type the
// table does not know or a version that cannot be parsed: a guess must not
// let a dockershim check pass.
func ForAKS(osType, osSKU, orchestratorVersion string) string {
	_ = osSKU // see aksOSTypes: the SKU does not decide the runtime.
	first, ok := aksOSTypes[strings.ToLower(strings.TrimSpace(osType))]
	if !ok {
		return Unknown
	}
	major, minor, ok := parseVersion(orchestratorVersion)
	switch {
	case !ok:
		return Unknown
	case major > 1 || minor >= first:
		return Containerd
	default:
		return Docker
	}
}
