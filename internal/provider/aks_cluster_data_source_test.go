package provider

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakearm"
)

// The subscriptions of the AKS tests: the provider's default, and another.
const (
	aksTestSub      = "11111111-2222-3333-4444-555555555555"
	aksTestOtherSub = "99999999-8888-7777-6666-555555555555"
)

// startFakeARM starts a fake ARM and Entra ID for the test.
func startFakeARM(t *testing.T) *fakearm.Server {
	t.Helper()
	acctest.PreCheck(t)
	return fakearm.Start(t)
}

// aksProviderConfig points the provider's azure block at the fake, signing
// in with the fake's service principal and the given secret.
func aksProviderConfig(s *fakearm.Server, secret string) string {
	return s.ProviderConfigWithSecret(aksTestSub, secret)
}

// aksPool is an agent pool profile as AKS reports it.
func aksPool(name string, mode armcontainerservice.AgentPoolMode, osType armcontainerservice.OSType, sku armcontainerservice.OSSKU, version, image string) *armcontainerservice.ManagedClusterAgentPoolProfile {
	return &armcontainerservice.ManagedClusterAgentPoolProfile{
		Name: to.Ptr(name), Mode: to.Ptr(mode), OSType: to.Ptr(osType), OSSKU: to.Ptr(sku),
		OrchestratorVersion: to.Ptr(version), CurrentOrchestratorVersion: to.Ptr(version),
		NodeImageVersion: to.Ptr(image), Count: to.Ptr[int32](1), VMSize: to.Ptr("Standard_D2s_v5"),
	}
}

func TestAccAKSClusterDataSource_basic(t *testing.T) {
	s := startFakeARM(t)
	const (
		lin = armcontainerservice.OSTypeLinux
		win = armcontainerservice.OSTypeWindows
		sys = armcontainerservice.AgentPoolModeSystem
		usr = armcontainerservice.AgentPoolModeUser
	)
	kvID := "/subscriptions/" + aksTestSub + "/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-prod"
	keyID := "https://kv-prod.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef"
	// A cluster mid-migration, with a pool of each OS on each side of its
	// containerd boundary (Linux 1.19, Windows 1.23), and KMS on.
	s.AddCluster(aksTestSub, "rg-prod", armcontainerservice.ManagedCluster{
		Name: to.Ptr("mixed"),
		SKU:  &armcontainerservice.ManagedClusterSKU{Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase), Tier: to.Ptr(armcontainerservice.ManagedClusterSKUTierStandard)},
		Properties: &armcontainerservice.ManagedClusterProperties{
			KubernetesVersion: to.Ptr("1.23"), CurrentKubernetesVersion: to.Ptr("1.23.12"),
			SecurityProfile: &armcontainerservice.ManagedClusterSecurityProfile{AzureKeyVaultKms: &armcontainerservice.AzureKeyVaultKms{
				Enabled: to.Ptr(true), KeyID: to.Ptr(keyID),
				KeyVaultNetworkAccess: to.Ptr(armcontainerservice.KeyVaultNetworkAccessTypesPrivate), KeyVaultResourceID: to.Ptr(kvID),
			}},
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{
				aksPool("win22new", usr, win, armcontainerservice.OSSKUWindows2022, "1.23.0", "AKSWindows-2022-containerd-20348.1006.220913"),
				aksPool("linold", sys, lin, armcontainerservice.OSSKUUbuntu, "1.18.20", "AKSUbuntu-1804gen2-2021.10.19"),
				aksPool("linnew", sys, lin, armcontainerservice.OSSKUUbuntu, "1.19.0", "AKSUbuntu-1804gen2containerd-2021.10.19"),
				aksPool("win19old", usr, win, armcontainerservice.OSSKUWindows2019, "1.22.17", "AKSWindows-2019-17763.3887.230111"),
				aksPool("win19new", usr, win, armcontainerservice.OSSKUWindows2019, "1.23.0", "AKSWindows-2019-containerd-17763.3887.230111"),
				aksPool("win22old", usr, win, armcontainerservice.OSSKUWindows2022, "1.22.17", "AKSWindows-2022-20348.1006.220913"),
			},
		},
	})
	// In another subscription: stopped, Free tier, KMS off, containerd only.
	s.AddCluster(aksTestOtherSub, "rg-dev", armcontainerservice.ManagedCluster{
		Name: to.Ptr("modern"),
		Properties: &armcontainerservice.ManagedClusterProperties{
			KubernetesVersion: to.Ptr("1.33.2"),
			PowerState:        &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.CodeStopped)},
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{
				aksPool("system", sys, lin, armcontainerservice.OSSKUAzureLinux, "1.33.2", "AKSAzureLinux-V3gen2-202507.21.0"),
			},
		},
	})
	// Without node pools: whether it is dockershim-free cannot be told.
	s.AddCluster(aksTestSub, "rg-prod", armcontainerservice.ManagedCluster{
		Name: to.Ptr("empty"), Properties: &armcontainerservice.ManagedClusterProperties{KubernetesVersion: to.Ptr("1.33.2")},
	})

	str := knownvalue.StringExact
	np := func(name, mode, version, osType, sku, image, rt string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name": str(name), "mode": str(mode), "version": str(version), "os_type": str(osType),
			"os_sku": str(sku), "node_image_version": str(image), "container_runtime": str(rt),
		})
	}
	mixed, modern, empty := "data.kubeharden_aks_cluster.mixed", "data.kubeharden_aks_cluster.modern", "data.kubeharden_aks_cluster.empty"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: aksProviderConfig(s, s.ClientSecret) + fmt.Sprintf(`
data "kubeharden_aks_cluster" "mixed" {
  resource_group_name = "rg-prod"
  name                = "mixed"
}
data "kubeharden_aks_cluster" "modern" {
  subscription_id     = %q
  resource_group_name = "rg-dev"
  name                = "modern"
}
data "kubeharden_aks_cluster" "empty" {
  resource_group_name = "rg-prod"
  name                = "empty"
}
`, aksTestOtherSub),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("id"), str(fakearm.ID(aksTestSub, "rg-prod", "mixed"))),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("subscription_id"), str(aksTestSub)),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("resource_group_name"), str("rg-prod")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("name"), str("mixed")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("version"), str("1.23.12")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("kubernetes_version"), str("1.23")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("provisioning_state"), str("Succeeded")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("power_state"), str("Running")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("sku_tier"), str("Standard")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"key_id": str(keyID), "key_vault_network_access": str("Private"), "key_vault_resource_id": str(kvID),
				})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("node_pools"), knownvalue.ListExact([]knownvalue.Check{
					np("linnew", "System", "1.19.0", "Linux", "Ubuntu", "AKSUbuntu-1804gen2containerd-2021.10.19", "containerd"),
					np("linold", "System", "1.18.20", "Linux", "Ubuntu", "AKSUbuntu-1804gen2-2021.10.19", "docker"),
					np("win19new", "User", "1.23.0", "Windows", "Windows2019", "AKSWindows-2019-containerd-17763.3887.230111", "containerd"),
					np("win19old", "User", "1.22.17", "Windows", "Windows2019", "AKSWindows-2019-17763.3887.230111", "docker"),
					np("win22new", "User", "1.23.0", "Windows", "Windows2022", "AKSWindows-2022-containerd-20348.1006.220913", "containerd"),
					np("win22old", "User", "1.22.17", "Windows", "Windows2022", "AKSWindows-2022-20348.1006.220913", "docker"),
				})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{str("containerd"), str("docker")})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("dockershim_free"), knownvalue.Bool(false)),

				statecheck.ExpectKnownValue(modern, tfjsonpath.New("id"), str(fakearm.ID(aksTestOtherSub, "rg-dev", "modern"))),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("subscription_id"), str(aksTestOtherSub)),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("version"), str("1.33.2")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("kubernetes_version"), str("1.33.2")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("power_state"), str("Stopped")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("sku_tier"), str("Free")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("secrets_encryption"), knownvalue.Null()),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("node_pools"), knownvalue.ListExact([]knownvalue.Check{
					np("system", "System", "1.33.2", "Linux", "AzureLinux", "AKSAzureLinux-V3gen2-202507.21.0", "containerd"),
				})),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{str("containerd")})),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),

				statecheck.ExpectKnownValue(empty, tfjsonpath.New("node_pools"), knownvalue.ListExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(empty, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(empty, tfjsonpath.New("dockershim_free"), knownvalue.Null()),
				statecheck.ExpectKnownValue(empty, tfjsonpath.New("secrets_encryption"), knownvalue.Null()),
			},
		}},
	})
}

// TestAccAKSClusterDataSource_notFound: a missing cluster, resource group or
// subscription is an error that names which one.
func TestAccAKSClusterDataSource_notFound(t *testing.T) {
	s := startFakeARM(t)
	s.AddResourceGroup(aksTestSub, "rg-empty")
	ds := func(sub, rg, name string) string {
		return aksProviderConfig(s, s.ClientSecret) + fmt.Sprintf(`
data "kubeharden_aks_cluster" "this" {
  subscription_id     = %q
  resource_group_name = %q
  name                = %q
}`, sub, rg, name)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: ds(aksTestSub, "rg-empty", "missing"), ExpectError: errorWith("AKS Cluster Not Found",
				`managedClusters.get "`+aksTestSub+`/rg-empty/missing"`, `no managed cluster "missing" in resource group "rg-empty"`, "ResourceNotFound")},
			{Config: ds(aksTestSub, "rg-missing", "prod"), ExpectError: errorWith("Azure Resource Group Not Found",
				`resource group "rg-missing" was not found`, "ResourceGroupNotFound")},
			{Config: ds(aksTestOtherSub, "rg", "prod"), ExpectError: errorWith("Azure Subscription Not Found",
				`subscription "`+aksTestOtherSub+`" was not found`, "SubscriptionNotFound")},
		},
	})
}

// TestAccAKSClusterDataSource_wrongSecret: Entra ID's refusal reaches the
// user with its AADSTS code and names the attribute to fix.
func TestAccAKSClusterDataSource_wrongSecret(t *testing.T) {
	s := startFakeARM(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: aksProviderConfig(s, "not-the-secret") + `
data "kubeharden_aks_cluster" "this" {
  resource_group_name = "rg"
  name                = "prod"
}`,
			ExpectError: errorWith("Azure Authentication Failed", "AADSTS7000215", "azure.client_secret", "ARM_CLIENT_SECRET"),
		}},
	})
	if n := s.Requests().Get; n != 0 {
		t.Errorf("%d managedClusters.get calls reached ARM without a token", n)
	}
}

// TestAccAKSClusterDataSource_badInput: malformed arguments fail at plan
// time, naming the attribute, and never reach ARM.
func TestAccAKSClusterDataSource_badInput(t *testing.T) {
	s := startFakeARM(t)
	cases := []struct{ attr, value, want string }{
		{"name", "", "Attribute name string length must be between 1 and 63"},
		{"name", strings.Repeat("a", 64), "Attribute name string length must be between 1 and 63"},
		{"name", "-prod", "Attribute name must start with a letter or digit"},
		{"name", "prod.1", "Attribute name must start with a letter or digit"},
		{"resource_group_name", "", "Attribute resource_group_name string length must be between 1 and 90"},
		{"resource_group_name", strings.Repeat("r", 91), "Attribute resource_group_name string length must be between 1 and 90"},
		{"resource_group_name", "rg.", "Attribute resource_group_name must contain only letters"},
		{"resource_group_name", "rg/prod", "Attribute resource_group_name must contain only letters"},
		{"subscription_id", "my-subscription", "Attribute subscription_id must be a subscription ID"},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		args := map[string]string{"resource_group_name": "rg-prod", "name": "prod"}
		args[c.attr] = c.value
		body := ""
		for _, k := range []string{"subscription_id", "resource_group_name", "name"} {
			if v, ok := args[k]; ok {
				body += fmt.Sprintf("  %s = %q\n", k, v)
			}
		}
		steps = append(steps, resource.TestStep{
			Config:      aksProviderConfig(s, s.ClientSecret) + "data \"kubeharden_aks_cluster\" \"this\" {\n" + body + "}\n",
			PlanOnly:    true,
			ExpectError: acctest.ErrorText(c.want),
		})
	}
	// Without a subscription anywhere: an attribute error naming the three places.
	if aksNoSubscriptionInEnv() {
		steps = append(steps, resource.TestStep{
			Config: fmt.Sprintf(`
provider "kubeharden" {
  azure {
    endpoints {
      resource_manager = %q
    }
  }
}
data "kubeharden_aks_cluster" "this" {
  resource_group_name = "rg-prod"
  name                = "prod"
}`, s.URL()),
			ExpectError: errorWith("Missing Subscription ID", "subscription_id", "azure.subscription_id", "ARM_SUBSCRIPTION_ID"),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if c := s.Requests(); c.Get != 0 || c.Token != 0 {
		t.Errorf("%d managedClusters.get and %d token calls for configurations that fail validation", c.Get, c.Token)
	}
}

// aksNoSubscriptionInEnv says whether a provider block without
// azure.subscription_id really has none: ARM_SUBSCRIPTION_ID would fill it in.
func aksNoSubscriptionInEnv() bool { return os.Getenv("ARM_SUBSCRIPTION_ID") == "" }

// TestAccAKSClusterDataSource_hang hangs managedClusters.get behind an HTTPS
// fault proxy in front of the fake ARM (tokens come from the fake directly):
// the read ends at timeouts.read with an error naming the call, and reads
// again once the proxy lets the call through.
func TestAccAKSClusterDataSource_hang(t *testing.T) {
	s := startFakeARM(t)
	t.Parallel()
	s.AddCluster(aksTestSub, "rg-prod", armcontainerservice.ManagedCluster{
		Name: to.Ptr("prod"),
		Properties: &armcontainerservice.ManagedClusterProperties{KubernetesVersion: to.Ptr("1.33.2"), AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{
			aksPool("system", armcontainerservice.AgentPoolModeSystem, armcontainerservice.OSTypeLinux, armcontainerservice.OSSKUUbuntu, "1.33.2", "AKSUbuntu-2204gen2containerd-202507.21.0"),
		}},
	})
	proxy, err := acctest.NewHTTPFaultProxy(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	config := fmt.Sprintf(`
provider "kubeharden" {
  azure {
    subscription_id = %q
    tenant_id       = %q
    client_id       = %q
    client_secret   = %q
    endpoints {
      resource_manager = "%s/"
      active_directory = %q
    }
  }
}

data "kubeharden_aks_cluster" "this" {
  resource_group_name = "rg-prod"
  name                = "prod"
  timeouts {
    read = "3s"
  }
}
`, aksTestSub, s.TenantID, s.ClientID, s.ClientSecret, proxy.URL, s.URL())
	var hang *acctest.Rule
	var sw stopwatch
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sw.Start()
					hang = proxy.Add("GET", "^/subscriptions/"+aksTestSub+"/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod$", acctest.Fault{Kind: acctest.Hang})
				},
				Config: config,
				ExpectError: errorWith("AKS Call Timed Out",
					fmt.Sprintf(`The call managedClusters.get "%s/rg-prod/prod" did not finish before its time limit was reached`, aksTestSub), "timeouts.read"),
			},
			{
				PreConfig: func() {
					sw.Check(t, "the hung managedClusters.get")
					proxy.Clear()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_aks_cluster.this", tfjsonpath.New("version"), knownvalue.StringExact("1.33.2")),
				},
				Check: func(*terraform.State) error {
					return faultReport(t, "data.kubeharden_aks_cluster hangs", []*acctest.Rule{hang})
				},
			},
		},
	})
}

// TestAccAKSClusterDataSource_secretHygiene runs the real Terraform CLI
// with the provider binary, signing in to the fake with a client secret
// given as a literal and through ARM_CLIENT_SECRET, and searches the state
// and a TRACE log for it.
func TestAccAKSClusterDataSource_secretHygiene(t *testing.T) {
	s := startFakeARM(t)
	s.AddCluster(aksTestSub, "rg-prod", armcontainerservice.ManagedCluster{
		Name: to.Ptr("prod"), Properties: &armcontainerservice.ManagedClusterProperties{KubernetesVersion: to.Ptr("1.33.2")},
	})
	for _, via := range []string{"config", "env"} {
		t.Run(via, func(t *testing.T) {
			secret, env := fmt.Sprintf("client_secret   = %q\n    ", s.ClientSecret), []string{}
			if via == "env" {
				secret, env = "", []string{"ARM_CLIENT_SECRET=" + s.ClientSecret}
			}
			cli := newTerraformCLI(t)
			cli.WriteConfig(fmt.Sprintf(`provider "kubeharden" {
  azure {
    subscription_id = %q
    tenant_id       = %q
    client_id       = %q
    %sendpoints {
      resource_manager = %q
      active_directory = %q
    }
  }
}
data "kubeharden_aks_cluster" "this" {
  resource_group_name = "rg-prod"
  name                = "prod"
}
output "version" { value = data.kubeharden_aks_cluster.this.version }
`, aksTestSub, s.TenantID, s.ClientID, secret, s.URL(), s.URL()))
			cli.Env = append(env, "TF_LOG=TRACE", "TF_LOG_PATH="+filepath.Join(cli.Dir, "trace.log"))
			if out := cli.MustRun("apply", "-no-color", "-auto-approve"); !strings.Contains(out, `version = "1.33.2"`) {
				t.Fatalf("the apply did not read the cluster:\n%s", out)
			}
			for _, name := range []string{"terraform.tfstate", "trace.log"} {
				b, err := os.ReadFile(filepath.Join(cli.Dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == "trace.log" && !bytes.Contains(b, []byte("provider.terraform-provider-kubeharden")) {
					t.Fatalf("the TRACE log (%d bytes) holds no log line of the provider: TF_LOG did not take effect", len(b))
				}
				if n := countNeedles(t, name, b, map[string]string{"client secret": s.ClientSecret}); n != 0 {
					t.Errorf("%s holds the client secret %d time(s)", name, n)
				}
			}
		})
	}
}

// TestAccAKSClusterDataSource_readiness reads the readiness of a cluster
// that passes the cgroup check (its Windows pool left out of it; the
// containerd major and the Windows image's support are not documented, so
// null), one with pools past their end of support
// (Azure Linux 2.0 from 2025-11-30, Ubuntu 18.04 from 2025-06-17, both
// before the day this runs), and one the table cannot tell about.
func TestAccAKSClusterDataSource_readiness(t *testing.T) {
	s := startFakeARM(t)
	const (
		lin = armcontainerservice.OSTypeLinux
		win = armcontainerservice.OSTypeWindows
		sys = armcontainerservice.AgentPoolModeSystem
		usr = armcontainerservice.AgentPoolModeUser
	)
	cluster := func(name, version string, pools ...*armcontainerservice.ManagedClusterAgentPoolProfile) armcontainerservice.ManagedCluster {
		return armcontainerservice.ManagedCluster{Name: to.Ptr(name), Properties: &armcontainerservice.ManagedClusterProperties{
			KubernetesVersion: to.Ptr(version), CurrentKubernetesVersion: to.Ptr(version), AgentPoolProfiles: pools,
		}}
	}
	s.AddCluster(aksTestSub, "rg-ready", cluster("ready", "1.34.2",
		aksPool("system", sys, lin, armcontainerservice.OSSKUAzureLinux, "1.34.2", "AKSAzureLinux-V3gen2-202611.01.0"),
		aksPool("ubuntu", usr, lin, armcontainerservice.OSSKUUbuntu, "1.34.2", "AKSUbuntu-2204gen2containerd-202611.01.0"),
		aksPool("win", usr, win, armcontainerservice.OSSKUWindows2022, "1.34.2", "AKSWindows-2022-containerd-20348.2849.241113"),
	))
	s.AddCluster(aksTestSub, "rg-ready", cluster("linux", "1.35.0",
		aksPool("system", sys, lin, armcontainerservice.OSSKUUbuntu, "1.35.0", ""), // Ubuntu from 1.35: 24.04
		aksPool("azl3", usr, lin, armcontainerservice.OSSKUAzureLinux, "1.35.0", "AKSAzureLinux-V3gen2-202611.01.0"),
	))
	s.AddCluster(aksTestSub, "rg-ready", cluster("legacy", "1.31.2",
		aksPool("mariner", sys, lin, armcontainerservice.OSSKUCBLMariner, "1.31.2", "AKSCBLMariner-V2gen2-202511.20.0"),
		aksPool("bionic", usr, lin, armcontainerservice.OSSKUUbuntu, "1.24.9", "AKSUbuntu-1804gen2containerd-202306.01.0"),
	))
	// AzureLinux names no version and the image version is not one the
	// table knows: nothing can be told.
	s.AddCluster(aksTestSub, "rg-ready", cluster("unknown", "1.33.2",
		aksPool("azl", sys, lin, armcontainerservice.OSSKUAzureLinux, "1.33.2", "AKSSomethingNew-202611.01.0"),
	))
	config := aksProviderConfig(s, s.ClientSecret)
	for _, n := range []string{"ready", "linux", "legacy", "unknown"} {
		config += fmt.Sprintf("data \"kubeharden_aks_cluster\" %[1]q {\n  resource_group_name = \"rg-ready\"\n  name                = %[1]q\n}\n", n)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kubeharden_aks_cluster.ready", tfjsonpath.New("readiness"), cloudReadinessCheck("null", "true", "null")),
				statecheck.ExpectKnownValue("data.kubeharden_aks_cluster.linux", tfjsonpath.New("readiness"), cloudReadinessCheck("null", "true", "true")),
				statecheck.ExpectKnownValue("data.kubeharden_aks_cluster.legacy", tfjsonpath.New("readiness"), cloudReadinessCheck("null", "false", "false",
					"node pool bionic: Ubuntu 18.04 reached end of support on AKS on 2025-06-17",
					"node pool bionic: Ubuntu 18.04 runs cgroup v1, which kubelets refuse by default from Kubernetes 1.35",
					"node pool mariner: Azure Linux 2.0 reached end of support on AKS on 2025-11-30",
				)),
				statecheck.ExpectKnownValue("data.kubeharden_aks_cluster.unknown", tfjsonpath.New("readiness"), cloudReadinessCheck("null", "null", "null")),
			},
		}},
	})
}
