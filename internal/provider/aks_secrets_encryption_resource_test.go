package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakearm"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
)

// The fake ends an operation after a few polls, and a 412 is retried at
// once: poll and back off in milliseconds. Set before any client exists.
func init() {
	aks.DefaultTiming = aks.Timing{PollInterval: 10 * time.Millisecond, RetryInitial: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, MaxConflicts: 5}
}

const (
	aksEncRG       = "rg-prod"
	aksTestVaultID = "/subscriptions/" + aksTestSub + "/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-prod"
)

// aksKey is a versioned key URL of key name in vault kv-prod.
func aksKey(name string) string {
	return "https://kv-prod.vault.azure.net/keys/" + name + "/0123456789abcdef0123456789abcdef"
}

// addAKSCluster adds a cluster, with KMS on key when key is not empty.
func addAKSCluster(s *fakearm.Server, name, key string) {
	mc := armcontainerservice.ManagedCluster{Name: to.Ptr(name), Tags: map[string]*string{"team": to.Ptr("platform")},
		Properties: &armcontainerservice.ManagedClusterProperties{KubernetesVersion: to.Ptr("1.33.2")}}
	if key != "" {
		mc.Properties.SecurityProfile = &armcontainerservice.ManagedClusterSecurityProfile{AzureKeyVaultKms: &armcontainerservice.AzureKeyVaultKms{
			Enabled: to.Ptr(true), KeyID: to.Ptr(key), KeyVaultNetworkAccess: to.Ptr(armcontainerservice.KeyVaultNetworkAccessTypesPublic)}}
	}
	s.AddCluster(aksTestSub, aksEncRG, mc)
}

// aksEncryptionConfig is the provider block and one resource "this"; extra
// is added to its body.
func aksEncryptionConfig(s *fakearm.Server, cluster, key, extra string) string {
	return aksProviderConfig(s, s.ClientSecret) + fmt.Sprintf(`
resource "kubeharden_aks_secrets_encryption" "this" {
  resource_group_name = %q
  cluster_name        = %q
  key_id              = %q
  %s
}
`, aksEncRG, cluster, key, extra)
}

// checkFakeKMS checks the fake's cluster: KMS enabled or not, with key.
func checkFakeKMS(s *fakearm.Server, cluster string, enabled bool, key string) func(*terraform.State) error {
	return func(*terraform.State) error {
		k := aks.KMS(s.Cluster(aksTestSub, aksEncRG, cluster))
		if k == nil || deref(k.Enabled) != enabled || deref(k.KeyID) != key {
			got := "nil"
			if k != nil {
				got = fmt.Sprintf("enabled=%v key=%q", deref(k.Enabled), deref(k.KeyID))
			}
			return fmt.Errorf("the fake's azureKeyVaultKms is %s, want enabled=%v key=%q", got, enabled, key)
		}
		return nil
	}
}

func checkNoViolations(t *testing.T, s *fakearm.Server) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("the fake saw model violations: %v", v)
	}
}

func TestAccAKSSecretsEncryption_basic(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	addr := "kubeharden_aks_secrets_encryption.this"
	id := fakearm.ID(aksTestSub, aksEncRG, "prod")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkFakeKMS(s, "prod", false, aksKey("v2")),
		Steps: []resource.TestStep{
			{
				Config: aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
				Check:  checkFakeKMS(s, "prod", true, aksKey("v1")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("subscription_id"), knownvalue.StringExact(aksTestSub)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("key_vault_network_access"), knownvalue.StringExact("Public")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("key_vault_resource_id"), knownvalue.Null()),
				},
			},
			{
				// Rotation: an in-place update.
				Config: aksEncryptionConfig(s, "prod", aksKey("v2"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(checkFakeKMS(s, "prod", true, aksKey("v2")), func(*terraform.State) error {
					// The rest of the cluster is unchanged.
					if tag := s.Cluster(aksTestSub, aksEncRG, "prod").Tags["team"]; tag == nil || *tag != "platform" {
						return fmt.Errorf("the cluster's tag team is %v, want platform", tag)
					}
					return nil
				}),
			},
			{
				// To a vault behind a private endpoint: also in place.
				Config: aksEncryptionConfig(s, "prod", aksKey("v2"), fmt.Sprintf("key_vault_network_access = %q\n  key_vault_resource_id = %q", "Private", aksTestVaultID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					k := aks.KMS(s.Cluster(aksTestSub, aksEncRG, "prod"))
					if kmsAccess(k) != "Private" || deref(k.KeyVaultResourceID) != aksTestVaultID {
						return fmt.Errorf("the fake's KMS is %s / %s, want Private / %s", kmsAccess(k), deref(k.KeyVaultResourceID), aksTestVaultID)
					}
					return nil
				},
			},
			{
				ResourceName: addr, ImportState: true, ImportStateId: id, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
	checkNoViolations(t, s)
}

// TestAccAKSSecretsEncryption_warnings: a rotation's plan warns and points
// at kubeharden_storage_rewrite; a destroy warns that KMS is turned off.
// Runs the real CLI, whose output is the only place a warning shows.
func TestAccAKSSecretsEncryption_warnings(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	cli := newTerraformCLI(t)
	cli.WriteConfig(aksEncryptionConfig(s, "prod", aksKey("v1"), ""))
	cli.MustRun("apply", "-auto-approve", "-no-color")
	cli.WriteConfig(aksEncryptionConfig(s, "prod", aksKey("v2"), ""))
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	out := flat(cli.MustRun("plan", "-no-color"))
	for _, want := range []string{"Warning: AKS KMS Key Rotation", "kubeharden_storage_rewrite", aksKey("v1"), aksKey("v2"), "1 to change"} {
		if !strings.Contains(out, want) {
			t.Errorf("the rotation's plan lacks %q:\n%s", want, out)
		}
	}
	out = flat(cli.MustRun("destroy", "-auto-approve", "-no-color"))
	for _, want := range []string{"Warning: AKS KMS Encryption", "azureKeyVaultKms.enabled = false"} {
		if !strings.Contains(out, want) {
			t.Errorf("the destroy's output lacks %q:\n%s", want, out)
		}
	}
	if err := checkFakeKMS(s, "prod", false, aksKey("v1"))(nil); err != nil {
		t.Error(err)
	}
}

// TestAccAKSSecretsEncryption_drift: a key changed or KMS turned off
// outside Terraform shows in the plan, and apply repairs it.
func TestAccAKSSecretsEncryption_drift(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	cfg := aksEncryptionConfig(s, "prod", aksKey("v1"), "")
	update := func(f func(k *armcontainerservice.AzureKeyVaultKms)) func() {
		return func() {
			s.UpdateCluster(t, aksTestSub, aksEncRG, "prod", func(mc *armcontainerservice.ManagedCluster) {
				f(mc.Properties.SecurityProfile.AzureKeyVaultKms)
			})
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkFakeKMS(s, "prod", true, aksKey("v1"))},
			{
				PreConfig: update(func(k *armcontainerservice.AzureKeyVaultKms) { k.KeyID = to.Ptr(aksKey("other")) }),
				Config:    cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{Config: cfg, Check: checkFakeKMS(s, "prod", true, aksKey("v1"))},
			{
				PreConfig: update(func(k *armcontainerservice.AzureKeyVaultKms) { k.Enabled = to.Ptr(false) }),
				Config:    cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{Config: cfg, Check: checkFakeKMS(s, "prod", true, aksKey("v1"))},
		},
	})
	checkNoViolations(t, s)
}

// TestAccAKSSecretsEncryption_adopt: the same key already on is adopted
// without a write.
func TestAccAKSSecretsEncryption_adopt(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", aksKey("v1"))
	var writes int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { writes = s.Requests().Writes },
			Config:    aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
			Check: func(*terraform.State) error {
				if got := s.Requests().Writes; got != writes {
					return fmt.Errorf("adopting wrote %d times", got-writes)
				}
				return checkFakeKMS(s, "prod", true, aksKey("v1"))(nil)
			},
		}},
	})
}

// TestAccAKSSecretsEncryption_operationFails: the operation's code and
// message reach the user, and nothing goes into the state.
func TestAccAKSSecretsEncryption_operationFails(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	s.FailNextOperation("KeyVaultAccessDenied", "The cluster identity has no access to key etcd.")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
				ExpectError: errorWith("AKS Operation Failed", "KeyVaultAccessDenied", "The cluster identity has no access to key etcd."),
			},
			{
				// Nothing in the state: the next plan creates it again.
				Config: aksEncryptionConfig(s, "prod", aksKey("v1"), ""), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("kubeharden_aks_secrets_encryption.this", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccAKSSecretsEncryption_concurrentWriter: a write between the
// provider's GET and PUT makes the PUT's If-Match stale; the provider reads
// again and retries, and the other writer's change survives.
func TestAccAKSSecretsEncryption_concurrentWriter(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	var puts int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				puts = s.Requests().Put
				s.BeforeNextPut(func() {
					s.UpdateCluster(t, aksTestSub, aksEncRG, "prod", func(mc *armcontainerservice.ManagedCluster) {
						mc.Tags["owner"] = to.Ptr("someone-else")
						mc.SKU.Tier = to.Ptr(armcontainerservice.ManagedClusterSKUTierStandard)
					})
				})
			},
			Config: aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
			Check: resource.ComposeTestCheckFunc(checkFakeKMS(s, "prod", true, aksKey("v1")), func(*terraform.State) error {
				mc := s.Cluster(aksTestSub, aksEncRG, "prod")
				if o := mc.Tags["owner"]; o == nil || *o != "someone-else" || deref(mc.SKU.Tier) != armcontainerservice.ManagedClusterSKUTierStandard {
					return fmt.Errorf("the concurrent change was lost: tags %v, sku tier %v", mc.Tags, deref(mc.SKU.Tier))
				}
				if got := s.Requests().Put - puts; got != 2 {
					return fmt.Errorf("%d PUTs, want 2 (one refused with 412, one retried)", got)
				}
				return nil
			}),
		}},
	})
	checkNoViolations(t, s)
}

// TestAccAKSSecretsEncryption_throttled: 429s are retried.
func TestAccAKSSecretsEncryption_throttled(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { s.Throttle(2, 1) },
			Config:    aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
			Check:     checkFakeKMS(s, "prod", true, aksKey("v1")),
		}},
	})
}

// TestAccAKSSecretsEncryption_badInput: plan-time errors name the
// attribute, and the fake sees no write.
func TestAccAKSSecretsEncryption_badInput(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	kv := aksTestVaultID
	cases := []struct {
		name, key, extra string
		want             []string
	}{
		{"versionless", "https://kv-prod.vault.azure.net/keys/etcd", "", []string{"Invalid Key Vault Key ID", "key_id", "has no key version"}},
		{"not a vault", "https://example.com/keys/etcd/0123456789abcdef0123456789abcdef", "", []string{"Invalid Key Vault Key ID", "key_id", "not a Key Vault key URL"}},
		{"private without id", aksKey("v1"), `key_vault_network_access = "Private"`, []string{"Missing Key Vault Resource ID", "key_vault_resource_id"}},
		{"public with id", aksKey("v1"), fmt.Sprintf("key_vault_resource_id = %q", kv), []string{"Unexpected Key Vault Resource ID", "key_vault_resource_id"}},
		{"bad vault id", aksKey("v1"), `key_vault_network_access = "Private"
  key_vault_resource_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"`, []string{"Invalid Key Vault Resource ID", "key_vault_resource_id"}},
		{"bad access", aksKey("v1"), `key_vault_network_access = "public"`, []string{"key_vault_network_access"}},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config: aksEncryptionConfig(s, "prod", tc.key, tc.extra), PlanOnly: true, ExpectError: errorWith(tc.want...),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if w := s.Requests().Writes; w != 0 {
		t.Errorf("the fake saw %d writes", w)
	}
}

func TestAKSKeyIDValidator(t *testing.T) {
	ver := "/0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		in   string
		want string // a part of the error; empty: valid
	}{
		{"https://kv-prod.vault.azure.net/keys/etcd" + ver, ""},
		{"https://kv-gov.vault.usgovcloudapi.net/keys/etcd" + ver, ""},
		{"https://kv-cn.vault.azure.cn/keys/etcd-1" + ver, ""},
		{"https://kv-prod.vault.azure.net/keys/etcd", "has no key version"},
		{"https://kv-prod.vault.azure.net/keys/etcd/", "has no key version"},
		{"http://kv-prod.vault.azure.net/keys/etcd" + ver, "not a Key Vault key URL"},
		{"https://kv-prod.vault.azure.com/keys/etcd" + ver, "not a Key Vault key URL"},
		{"https://kv-prod.vault.azure.net/secrets/etcd" + ver, "not a Key Vault key URL"},
		{"https://kv.vault.azure.net/keys/etcd" + ver, "not a Key Vault name"},
		{"https://kv-prod.vault.azure.net/keys/et_cd" + ver, "not a key name"},
		{"https://kv-prod.vault.azure.net/keys/etcd/v1", "not a key version"},
		{"https://kv-prod.vault.azure.net/keys/etcd" + ver + "/extra", "not a Key Vault key URL"},
	} {
		err := aksKeyID(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.want != "" && (err == nil || !regexp.MustCompile(regexp.QuoteMeta(tc.want)).MatchString(err.Error())):
			t.Errorf("%s: error %v, want one with %q", tc.in, err, tc.want)
		}
	}
}
