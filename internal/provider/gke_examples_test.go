package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	container "google.golang.org/api/container/v1"
)

func readExample(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "examples"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccGKEExamples runs the documentation's examples against the fake, so
// they stay valid: the data source, the resource, and its import ID.
func TestAccGKEExamples(t *testing.T) {
	s := startFakeGKE(t)
	s.AddCluster("my-project", "europe-west1", &container.Cluster{
		Name: "prod", CurrentMasterVersion: "1.36.3-gke.1200000",
		NodePools: []*container.NodePool{pool("default-pool", "1.36.3-gke.1200000", "COS_CONTAINERD")},
	})
	ds := readExample(t, "data-sources", "kubeharden_gke_cluster", "data-source.tf")
	res := readExample(t, "resources", "kubeharden_gke_secrets_encryption", "resource.tf")
	importSh := strings.Fields(readExample(t, "resources", "kubeharden_gke_secrets_encryption", "import.sh"))
	importID := importSh[len(importSh)-1]
	key := "projects/my-project/locations/europe-west1/keyRings/gke/cryptoKeys/secrets"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDecryptedAt(s, "my-project", "europe-west1", "prod"),
		Steps: []resource.TestStep{
			{
				Config: gkeProviderConfig(s, "") + ds,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.prod", tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
				},
			},
			{
				Config:           gkeProviderConfig(s, "") + res,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kubeharden_gke_secrets_encryption.prod", tfjsonpath.New("key_name"), knownvalue.StringExact(key)),
				},
			},
			{
				Config:                  gkeProviderConfig(s, "") + res,
				ResourceName:            "kubeharden_gke_secrets_encryption.prod",
				ImportState:             true,
				ImportStateId:           importID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}
