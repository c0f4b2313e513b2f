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

// aksOS is one node OS of AKS, recognized by the node image version
// ("AKSUbuntu-2204gen2containerd-202507.21.0") or the OS SKU.
type aksOS struct {
	name string
	// imagePrefixes start the node image versions of this OS.
	imagePrefixes []string
	// endOfSupport is the day AKS stops supporting it ("" while no end is
	// announced).
	endOfSupport string
	// cgroupV2 is its cgroup mode on AKS from Kubernetes 1.25, nil when
	// the documentation does not say.
	cgroupV2 *bool
}

// aksOSes is the table of AKS node OS versions. Sources:
//
//   - End of support: "Starting on 17 June 2025, AKS no longer supports
//     Ubuntu 18.04", "Starting on 17 March 2027, AKS no longer supports Ubuntu
//     20.04" (https://learn.microsoft.com/azure/aks/node-images); "Starting on
//     30 November 2025, AKS no longer supports or provides security updates
//     for Azure Linux 2.0" (https://learn.microsoft.com/azure/aks/upgrade-os-version).
//     CBL-Mariner 2.0 is Azure Linux 2.0 under its former name.
//   - cgroup v2: "Starting Kubernetes 1.25, the default cgroups
//     implementation on AKS nodes will be cgroupsv2" (AKS release notes,
//     https://github.com/Azure/AKS/releases/tag/2023-07-16), which came with
//     Ubuntu 22.04 (https://learn.microsoft.com/azure/aks/cluster-configuration:
//     "AKS supports Ubuntu 22.04 as the only node operating system for
//     clusters with Kubernetes 1.25 and higher"). Ubuntu uses cgroup v2 by
//     default only from 21.10 (https://kubernetes.io/docs/concepts/architecture/cgroups/),
//     so 18.04 and 20.04 nodes run cgroup v1.
//   - containerd 2: the AKS documentation does not say which node images
//     ship it, so no fact here claims it (nil), except that a pool on Docker
//     does not.
var aksOSes = []aksOS{
	{name: "Ubuntu 18.04", imagePrefixes: []string{"AKSUbuntu-1804"}, endOfSupport: "2025-06-17", cgroupV2: Bool(false)},
	{name: "Ubuntu 20.04", imagePrefixes: []string{"AKSUbuntu-2004"}, endOfSupport: "2027-03-17", cgroupV2: Bool(false)},
	{name: "Ubuntu 22.04", imagePrefixes: []string{"AKSUbuntu-2204"}, cgroupV2: Bool(true)},
	{name: "Ubuntu 24.04", imagePrefixes: []string{"AKSUbuntu-2404"}, cgroupV2: Bool(true)},
	{name: "Azure Linux 2.0", imagePrefixes: []string{"AKSAzureLinux-V2", "AKSCBLMariner-V2"}, endOfSupport: "2025-11-30", cgroupV2: Bool(true)},
	{name: "Azure Linux 3.0", imagePrefixes: []string{"AKSAzureLinux-V3"}, cgroupV2: Bool(true)},
}

// aksOSBySKU names the OS of the OS SKUs that pin one OS version, for a pool
// whose node image version is not known. The plain "Ubuntu" SKU follows the
// Kubernetes version: Ubuntu 18.04 before 1.25, 22.04 from 1.25 to 1.34, and
// 24.04 from 1.35 (https://learn.microsoft.com/azure/aks/upgrade-os-version).
var aksOSBySKU = map[string]string{
	"ubuntu2204":  "Ubuntu 22.04",
	"ubuntu2404":  "Ubuntu 24.04",
	"azurelinux3": "Azure Linux 3.0",
}

// aksOSOf finds the OS of a pool from its node image version, else its OS
// SKU and Kubernetes minor (minor < 0 when unknown); nil when neither tells.
func aksOSOf(nodeImageVersion, osSKU string, minor int) *aksOS {
	for i := range aksOSes {
		for _, p := range aksOSes[i].imagePrefixes {
			if strings.HasPrefix(nodeImageVersion, p) {
				return &aksOSes[i]
			}
		}
	}
	name := aksOSBySKU[strings.ToLower(osSKU)]
	if strings.EqualFold(osSKU, "Ubuntu") && minor >= 0 {
		switch {
		case minor < 25:
			name = "Ubuntu 18.04"
		case minor < 35:
			name = "Ubuntu 22.04"
		default:
			name = "Ubuntu 24.04"
		}
	}
	for i := range aksOSes {
		if aksOSes[i].name == name {
			return &aksOSes[i]
		}
	}
	return nil
}

// ForAKSNodePool is the upgrade readiness of the node pool name with the
// given OS type, OS SKU, node image version and Kubernetes version
// ("1.33.2"), on the day now ("2026-12-02", to compare with the table's end
// of support dates). See aksOSes.
func ForAKSNodePool(name, osType, osSKU, nodeImageVersion, version, now string) Facts {
	f := Facts{Kind: "node pool", Name: name}
	if ForAKS(osType, osSKU, version) == Docker {
		f.Containerd2 = Bool(false)
		f.Blockers = append(f.Blockers, "runs Docker, not containerd 2 (AKS pools run containerd from Kubernetes 1.19 on Linux, 1.23 on Windows)")
	}
	if strings.EqualFold(strings.TrimSpace(osType), "Windows") {
		f.NoCgroups = true
		return f
	}
	if !strings.EqualFold(strings.TrimSpace(osType), "Linux") {
		return f
	}
	major, minor, ok := parseVersion(version)
	if !ok {
		minor = -1
	} else if major > 1 {
		minor = 99
	}
	o := aksOSOf(nodeImageVersion, osSKU, minor)
	if o == nil {
		return f
	}
	if o.endOfSupport == "" || now < o.endOfSupport {
		f.SupportedImage = Bool(true)
	} else {
		f.SupportedImage = Bool(false)
		f.Blockers = append(f.Blockers, o.name+" reached end of support on AKS on "+o.endOfSupport)
	}
	// The table's cgroup modes are those of AKS from 1.25; before, only
	// Ubuntu 18.04 is known (cgroup v1).
	if o.cgroupV2 != nil && (minor >= 25 || !*o.cgroupV2) {
		f.CgroupV2 = Bool(*o.cgroupV2)
		if !*o.cgroupV2 {
			f.Blockers = append(f.Blockers, o.name+" runs cgroup v1, which kubelets refuse by default from Kubernetes 1.35")
		}
	}
	return f
}
