package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	container "google.golang.org/api/container/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakegke"
)

const gkeEncRes = "kubeharden_gke_secrets_encryption.this"

// seedGKECluster adds a cluster named name with Secrets in plain text.
func seedGKECluster(s *fakegke.Server, name string) {
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: name, CurrentMasterVersion: "1.36.3-gke.1200000",
		NodePools: []*container.NodePool{pool("default-pool", "1.36.3-gke.1200000", "COS_CONTAINERD")},
	})
}

func gkeEncryptionConfig(s *fakegke.Server, cluster, key, extra string) string {
	return gkeProviderConfig(s, gkeTestProject) + fmt.Sprintf(`
resource "kubeharden_gke_secrets_encryption" "this" {
  location = %q
  cluster  = %q
  key_name = %q
%s}
`, gkeTestLocation, cluster, key, extra)
}

// checkFakeEncryption checks what the fake holds, behind Terraform.
func checkFakeEncryption(s *fakegke.Server, cluster, state, key string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c := s.Cluster(gkeTestProject, gkeTestLocation, cluster)
		if c == nil {
			return fmt.Errorf("cluster %s is gone from the fake", cluster)
		}
		if de := c.DatabaseEncryption; de.State != state || de.KeyName != key {
			return fmt.Errorf("the fake's cluster has state %q key %q; want %q key %q", de.State, de.KeyName, state, key)
		}
		return nil
	}
}

// checkDecrypted is the CheckDestroy: destroying the resource decrypts.
func checkDecrypted(s *fakegke.Server, cluster string) resource.TestCheckFunc {
	return checkDecryptedAt(s, gkeTestProject, gkeTestLocation, cluster)
}

func checkDecryptedAt(s *fakegke.Server, project, location, cluster string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c := s.Cluster(project, location, cluster)
		if c == nil {
			return nil
		}
		if de := c.DatabaseEncryption; de.State != "DECRYPTED" || de.CurrentState != "CURRENT_STATE_DECRYPTED" {
			return fmt.Errorf("after destroy the cluster's encryption is %q / %q, want DECRYPTED", de.State, de.CurrentState)
		}
		return nil
	}
}

// TestAccGKESecretsEncryption_basic: create, re-plan empty, key change, import,
// drift repaired (key changed, decrypted, pending), destroy decrypts.
func TestAccGKESecretsEncryption_basic(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	k1, k2, k3 := gkeKey("k1"), gkeKey("k2"), gkeKey("k3")
	encrypted := func(key string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("id"), knownvalue.StringExact(gkeTestProject+"/"+gkeTestLocation+"/prod")),
			statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("project"), knownvalue.StringExact(gkeTestProject)),
			statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("key_name"), knownvalue.StringExact(key)),
			statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("state"), knownvalue.StringExact("ENCRYPTED")),
			statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("current_state"), knownvalue.StringExact("CURRENT_STATE_ENCRYPTED")),
		}
	}
	emptyAfter := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	repair := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(gkeEncRes, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{
			{
				Config: gkeEncryptionConfig(s, "prod", k1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(gkeEncRes, plancheck.ResourceActionCreate),
						// The project and the ID are known at plan time.
						plancheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("project"), knownvalue.StringExact(gkeTestProject)),
						plancheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("id"), knownvalue.StringExact(gkeTestProject+"/"+gkeTestLocation+"/prod")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: encrypted(k1),
				Check:             checkFakeEncryption(s, "prod", "ENCRYPTED", k1),
			},
			{
				Config:            gkeEncryptionConfig(s, "prod", k2, ""),
				ConfigPlanChecks:  repair,
				ConfigStateChecks: encrypted(k2),
				Check:             checkFakeEncryption(s, "prod", "ENCRYPTED", k2),
			},
			{
				ResourceName:      gkeEncRes,
				ImportState:       true,
				ImportStateId:     gkeTestProject + "/" + gkeTestLocation + "/prod",
				ImportStateVerify: true,
			},
			{
				// The key is changed behind Terraform's back.
				PreConfig: func() {
					s.UpdateCluster(t, gkeTestProject, gkeTestLocation, "prod", func(c *container.Cluster) { c.DatabaseEncryption.KeyName = k3 })
				},
				Config:            gkeEncryptionConfig(s, "prod", k2, ""),
				ConfigPlanChecks:  repair,
				ConfigStateChecks: encrypted(k2),
				Check:             checkFakeEncryption(s, "prod", "ENCRYPTED", k2),
			},
			{
				// The Secrets are decrypted behind Terraform's back.
				PreConfig: func() {
					s.UpdateCluster(t, gkeTestProject, gkeTestLocation, "prod", func(c *container.Cluster) {
						c.DatabaseEncryption = &container.DatabaseEncryption{State: "DECRYPTED", CurrentState: "CURRENT_STATE_DECRYPTED"}
					})
				},
				Config:            gkeEncryptionConfig(s, "prod", k2, ""),
				ConfigPlanChecks:  repair,
				ConfigStateChecks: encrypted(k2),
				Check:             checkFakeEncryption(s, "prod", "ENCRYPTED", k2),
			},
			{
				// A re-encryption started elsewhere is pending: the refresh
				// waits for it to settle, and then has nothing to change.
				PreConfig: func() {
					s.UpdateCluster(t, gkeTestProject, gkeTestLocation, "prod", func(c *container.Cluster) {
						c.DatabaseEncryption.CurrentState = "CURRENT_STATE_ENCRYPTION_PENDING"
					})
					s.StartOperation(t, gkeTestProject, gkeTestLocation, "prod", "UPDATE_CLUSTER", 3, func(c *container.Cluster) {
						c.DatabaseEncryption.CurrentState = "CURRENT_STATE_ENCRYPTED"
					})
				},
				Config:            gkeEncryptionConfig(s, "prod", k2, ""),
				PlanOnly:          true,
				ConfigStateChecks: encrypted(k2),
			},
			{
				Config:            gkeEncryptionConfig(s, "prod", k2, ""),
				ConfigPlanChecks:  emptyAfter,
				ConfigStateChecks: encrypted(k2),
			},
		},
	})
}

// TestAccGKESecretsEncryption_allObjects: GKE answering an ENCRYPTED
// request with ALL_OBJECTS_ENCRYPTION_ENABLED is not a diff.
func TestAccGKESecretsEncryption_allObjects(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	s.SetEncryptedState("ALL_OBJECTS_ENCRYPTION_ENABLED")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{
			{
				Config:           gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("key_name"), knownvalue.StringExact(gkeKey("k1"))),
					statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("state"), knownvalue.StringExact("ALL_OBJECTS_ENCRYPTION_ENABLED")),
					statecheck.ExpectKnownValue(gkeEncRes, tfjsonpath.New("current_state"), knownvalue.StringExact("CURRENT_STATE_ALL_OBJECTS_ENCRYPTION_ENABLED")),
				},
				Check: checkFakeEncryption(s, "prod", "ALL_OBJECTS_ENCRYPTION_ENABLED", gkeKey("k1")),
			},
			{
				// A cluster already encrypting all objects with the key is
				// adopted: no update is sent.
				Config:   gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
				PlanOnly: true,
			},
		},
	})
	if n := s.Calls(fakegke.MethodUpdateCluster); n != 2 {
		t.Errorf("%d clusters.update calls, want 2 (encrypt, decrypt)", n)
	}
}

// TestAccGKESecretsEncryption_concurrentOperation: GKE refuses the update
// (400 FAILED_PRECONDITION) while another operation runs; it is retried
// until that operation finishes.
func TestAccGKESecretsEncryption_concurrentOperation(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	s.StartOperation(t, gkeTestProject, gkeTestLocation, "prod", "UPGRADE_MASTER", 6, func(c *container.Cluster) {
		c.CurrentMasterVersion = "1.36.4-gke.1000"
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{{
			Config: gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
			Check: resource.ComposeTestCheckFunc(
				checkFakeEncryption(s, "prod", "ENCRYPTED", gkeKey("k1")),
				func(*terraform.State) error {
					if n := s.Errors("FAILED_PRECONDITION"); n == 0 {
						return fmt.Errorf("the fake never refused an update; the test proves nothing")
					}
					if v := s.Cluster(gkeTestProject, gkeTestLocation, "prod").CurrentMasterVersion; v != "1.36.4-gke.1000" {
						return fmt.Errorf("the other operation did not finish: version %s", v)
					}
					return nil
				},
			),
		}},
	})
}

// TestAccGKESecretsEncryption_operationFails: a failed operation is an error
// with GKE's message, and the state keeps what the cluster really has.
func TestAccGKESecretsEncryption_operationFails(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	k1, k2 := gkeKey("k1"), gkeKey("k2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.FailNextOperation(t, gkeTestProject, gkeTestLocation, "prod", "Cloud KMS key "+k1+" is disabled.")
				},
				Config:      gkeEncryptionConfig(s, "prod", k1, ""),
				ExpectError: acctest.ErrorText("GKE Operation Failed"),
			},
			{
				// Nothing went into the state: the next plan creates again.
				PreConfig: func() {
					if c := s.Cluster(gkeTestProject, gkeTestLocation, "prod"); c.DatabaseEncryption.State != "DECRYPTED" {
						t.Errorf("the failed operation changed the cluster: %+v", c.DatabaseEncryption)
					}
				},
				Config:             gkeEncryptionConfig(s, "prod", k1, ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gkeEncRes, plancheck.ResourceActionCreate),
				}},
			},
			{
				Config: gkeEncryptionConfig(s, "prod", k1, ""),
				Check:  checkFakeEncryption(s, "prod", "ENCRYPTED", k1),
			},
			{
				PreConfig: func() {
					s.FailNextOperation(t, gkeTestProject, gkeTestLocation, "prod", "Permission denied on Cloud KMS key "+k2+".")
				},
				Config:      gkeEncryptionConfig(s, "prod", k2, ""),
				ExpectError: acctest.ErrorText("Permission denied on Cloud KMS key " + k2),
			},
			{
				// The state still holds k1, as the cluster does.
				Config:   gkeEncryptionConfig(s, "prod", k1, ""),
				PlanOnly: true,
				Check:    checkFakeEncryption(s, "prod", "ENCRYPTED", k1),
			},
		},
	})
}

// TestAccGKESecretsEncryption_errorState: a *_ERROR state is an error that
// carries GKE's lastOperationErrors; once fixed, all is well again.
func TestAccGKESecretsEncryption_errorState(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	k1 := gkeKey("k1")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{
			{Config: gkeEncryptionConfig(s, "prod", k1, "")},
			{
				PreConfig: func() {
					s.UpdateCluster(t, gkeTestProject, gkeTestLocation, "prod", func(c *container.Cluster) {
						c.DatabaseEncryption.CurrentState = "CURRENT_STATE_ENCRYPTION_ERROR"
						c.DatabaseEncryption.DecryptionKeys = []string{gkeKey("old")}
						c.DatabaseEncryption.LastOperationErrors = []*container.OperationError{{
							KeyName: k1, ErrorMessage: "Cloud KMS key is in state DESTROY_SCHEDULED.", Timestamp: "2026-03-01T10:00:00Z",
						}}
					})
				},
				Config:      gkeEncryptionConfig(s, "prod", k1, ""),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText("Cloud KMS key is in state DESTROY_SCHEDULED. (key " + k1 + ") at 2026-03-01T10:00:00Z"),
			},
			{
				PreConfig: func() {
					s.UpdateCluster(t, gkeTestProject, gkeTestLocation, "prod", func(c *container.Cluster) {
						c.DatabaseEncryption = &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: k1, CurrentState: "CURRENT_STATE_ENCRYPTED"}
					})
				},
				Config:   gkeEncryptionConfig(s, "prod", k1, ""),
				PlanOnly: true,
			},
		},
	})
}

// TestAccGKESecretsEncryption_clusterGone: a cluster deleted outside
// Terraform drops the resource from the state.
func TestAccGKESecretsEncryption_clusterGone(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecrypted(s, "prod"),
		Steps: []resource.TestStep{
			{Config: gkeEncryptionConfig(s, "prod", gkeKey("k1"), "")},
			{
				PreConfig:          func() { s.DeleteCluster(gkeTestProject, gkeTestLocation, "prod") },
				Config:             gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gkeEncRes, plancheck.ResourceActionCreate),
				}},
			},
			{
				// Creating it again names the missing cluster.
				Config:      gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
				ExpectError: acctest.ErrorText(`GKE Cluster Not Found`),
			},
		},
	})
}

// TestAccGKESecretsEncryption_timeout: a deadline cut short says which call
// and what it waited for.
func TestAccGKESecretsEncryption_timeout(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	s.StartOperation(t, gkeTestProject, gkeTestLocation, "prod", "UPGRADE_MASTER", 1<<30, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      gkeEncryptionConfig(s, "prod", gkeKey("k1"), "  timeouts {\n    create = \"1s\"\n  }\n"),
			ExpectError: acctest.ErrorText(`waiting for another operation on the cluster to finish`),
		}},
	})
}

// TestAccGKESecretsEncryption_badInput: malformed arguments fail at plan
// time, naming the attribute; so does a missing project and a bad import ID.
func TestAccGKESecretsEncryption_badInput(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	keyMsg := "Attribute key_name must be a Cloud KMS key name"
	cases := []struct{ attr, value, want string }{
		{"key_name", "", keyMsg},
		{"key_name", "k1", keyMsg},
		{"key_name", "projects/p/locations/l/keyRings/r", keyMsg},
		{"key_name", "projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", keyMsg},
		{"key_name", "projects/p/locations/l/keyRings/r/cryptoKeys/", keyMsg},
		{"key_name", "projects//locations/l/keyRings/r/cryptoKeys/k", keyMsg},
		{"key_name", "//cloudkms.googleapis.com/projects/p/locations/l/keyRings/r/cryptoKeys/k", keyMsg},
		{"key_name", "projects/p/locations/l/keyrings/r/cryptokeys/k", keyMsg},
		{"location", "", "Attribute location must be a region"},
		{"location", "EU", "Attribute location must be a region"},
		{"cluster", "", "Attribute cluster must be a GKE cluster name"},
		{"cluster", "Prod", "Attribute cluster must be a GKE cluster name"},
		{"cluster", strings.Repeat("c", 41), "Attribute cluster string length must be at most 40"},
		{"project", "", "Attribute project must be a project ID"},
		{"project", "my project", "Attribute project must be a project ID"},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		args := map[string]string{"location": gkeTestLocation, "cluster": "prod", "key_name": gkeKey("k1")}
		args[c.attr] = c.value
		body := ""
		for _, k := range []string{"project", "location", "cluster", "key_name"} {
			if v, ok := args[k]; ok {
				body += fmt.Sprintf("  %s = %q\n", k, v)
			}
		}
		steps = append(steps, resource.TestStep{
			Config:      gkeProviderConfig(s, gkeTestProject) + "resource \"kubeharden_gke_secrets_encryption\" \"this\" {\n" + body + "}\n",
			PlanOnly:    true,
			ExpectError: acctest.ErrorText(c.want),
		})
	}
	if gkeNoProjectInEnv(t) {
		steps = append(steps, resource.TestStep{
			Config: gkeProviderConfig(s, "") + fmt.Sprintf(`
resource "kubeharden_gke_secrets_encryption" "this" {
  location = %q
  cluster  = "prod"
  key_name = %q
}`, gkeTestLocation, gkeKey("k1")),
			PlanOnly:    true,
			ExpectError: acctest.ErrorText("Missing Project"),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config:        gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
			ResourceName:  gkeEncRes,
			ImportState:   true,
			ImportStateId: "prod",
			ExpectError:   acctest.ErrorText(`Invalid Import ID`),
		},
		resource.TestStep{
			Config:        gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
			ResourceName:  gkeEncRes,
			ImportState:   true,
			ImportStateId: "kh-test//prod",
			ExpectError:   acctest.ErrorText(`has an empty or blank location`),
		},
	)
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := s.Calls(fakegke.MethodUpdateCluster); n != 0 {
		t.Errorf("%d clusters.update calls for configurations that fail validation", n)
	}
}

// TestAccGKESecretsEncryption_createReplacesKey: creating the resource on a
// cluster that already encrypts its Secrets with another key switches the
// key (GKE can), and says so in a warning naming both keys, since whoever
// set the old key (google_container_cluster's database_encryption, another
// configuration) would otherwise fight this resource unseen. Runs the real
// CLI, whose output is the only place a warning of an apply shows.
func TestAccGKESecretsEncryption_createReplacesKey(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	s := startFakeGKE(t)
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "keyed", CurrentMasterVersion: "1.36.3-gke.1200000",
		DatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: gkeKey("old"), CurrentState: "CURRENT_STATE_ENCRYPTED"},
	})
	cli := newTerraformCLI(t)
	cli.WriteConfig(gkeEncryptionConfig(s, "keyed", gkeKey("new"), ""))
	out := cli.MustRun("apply", "-auto-approve", "-no-color")
	for _, want := range []string{"Warning: GKE Secrets Encryption Key Replaced", gkeKey("old"), gkeKey("new"), "database_encryption"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the apply's output lacks %q:\n%s", want, out)
		}
	}
	if err := checkFakeEncryption(s, "keyed", "ENCRYPTED", gkeKey("new"))(nil); err != nil {
		t.Error(err)
	}
	// The same key already set is adopted without a word.
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "same", CurrentMasterVersion: "1.36.3-gke.1200000",
		DatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: gkeKey("new"), CurrentState: "CURRENT_STATE_ENCRYPTED"},
	})
	cli.WriteConfig(gkeEncryptionConfig(s, "same", gkeKey("new"), ""))
	if out := cli.MustRun("apply", "-auto-approve", "-no-color"); strings.Contains(out, "Key Replaced") {
		t.Errorf("adopting the same key warned:\n%s", out)
	}
}
