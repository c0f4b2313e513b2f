package containerruntime

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

// TestForAKSBoundaries checks both version boundaries for every OS type and
// OS SKU the SDK defines, so that a value added to the SDK is covered (and
// fails here if the table does not know its OS type).
func TestForAKSBoundaries(t *testing.T) {
	boundaries := map[armcontainerservice.OSType][2]string{
		armcontainerservice.OSTypeLinux:   {"1.18.20", "1.19.0"},
		armcontainerservice.OSTypeWindows: {"1.22.17", "1.23.0"},
	}
	for _, osType := range armcontainerservice.PossibleOSTypeValues() {
		b, ok := boundaries[osType]
		if !ok {
			t.Errorf("the SDK defines OS type %q, which this test (and maybe aksOSTypes) does not know", osType)
			continue
		}
		for _, sku := range append(armcontainerservice.PossibleOSSKUValues(), "") {
			if got := ForAKS(string(osType), string(sku), b[0]); got != Docker {
				t.Errorf("ForAKS(%q, %q, %q) = %q, want docker", osType, sku, b[0], got)
			}
			for _, v := range []string{b[1], "1.36.3", "v1.36", "2.0.0"} {
				if got := ForAKS(string(osType), string(sku), v); got != Containerd {
					t.Errorf("ForAKS(%q, %q, %q) = %q, want containerd", osType, sku, v, got)
				}
			}
		}
	}
}

func TestForAKS(t *testing.T) {
	cases := []struct{ osType, sku, version, want string }{
		{"Linux", "Ubuntu", "1.18", Docker},
		{"Linux", "Ubuntu", "1.19", Containerd},
		{"linux", "AzureLinux", "1.19.11", Containerd},
		{"Windows", "Windows2019", "1.22.6", Docker},
		{"Windows", "Windows2019", "1.23.5", Containerd},
		{" WINDOWS ", "Windows2022", "1.23", Containerd},
		{"Windows", "Windows2022", "1.19.0", Docker},
		{"", "Ubuntu", "1.30.0", Unknown},
		{"FreeBSD", "", "1.30.0", Unknown},
		{"Linux", "Ubuntu", "", Unknown},
		{"Linux", "Ubuntu", "latest", Unknown},
		{"Windows", "Windows2022", "1.x", Unknown},
		{"Linux", "Ubuntu", "-1.30", Unknown},
	}
	for _, c := range cases {
		if got := ForAKS(c.osType, c.sku, c.version); got != c.want {
			t.Errorf("ForAKS(%q, %q, %q) = %q, want %q", c.osType, c.sku, c.version, got, c.want)
		}
	}
}
