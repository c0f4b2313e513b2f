package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// TestAccNamespacePodSecurity_requestCount holds the provider to its request
// budget at N=100, counted by the API server itself (apiserver_request_total)
// on a control plane of its own: a refresh costs one LIST per provider
// process, never a GET per resource; an apply costs one write per namespace
// and at most one dry run per namespace per plan walk.
func TestAccNamespacePodSecurity_requestCount(t *testing.T) {
	acctest.PreCheck(t)
	ctx := context.Background()
	cp, err := acctest.StartControlPlane(ctx, acctest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	const n = 100
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("bench-%03d", i)
		if err := cp.CreateNamespace(ctx, names[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	config := cp.ProviderConfig() + fmt.Sprintf(`
locals {
  names = [%s]
}

resource "kubeharden_namespace_pod_security" "ns" {
  count     = length(local.names)
  namespace = local.names[count.index]
  enforce   = { level = "baseline" }
  audit     = { level = "restricted" }
  warn      = { level = "restricted" }
}
`, `"`+strings.Join(names, `", "`)+`"`)

	var before map[string]float64
	mark := func() {
		var err error
		if before, err = cp.RequestCounts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// budget checks the requests since mark: want maps "VERB resource" to
	// the largest count allowed; every other namespace request must be 0.
	budget := func(want map[string]float64) resource.TestCheckFunc {
		return func(*terraform.State) error {
			after, err := cp.RequestCounts(ctx)
			if err != nil {
				return err
			}
			d := acctest.Delta(before, after)
			t.Logf("namespace requests: %v", filterNamespaces(d))
			for k, v := range filterNamespaces(d) {
				if v > want[k] {
					return fmt.Errorf("%v %s requests, budget %v (all namespace requests: %v)", v, k, want[k], filterNamespaces(d))
				}
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Apply from empty: a plan walk and an apply walk, each its
				// own provider process with one snapshot LIST; one write per
				// namespace; a dry run per namespace in each walk's plan.
				PreConfig: mark,
				Config:    config,
				Check: budget(map[string]float64{
					"LIST namespaces":         2,
					"APPLY namespaces":        n,
					"APPLY namespaces dryrun": 2 * n,
				}),
			},
			{
				// Refresh of an applied configuration: LISTs only, no GET
				// per resource, nothing written.
				PreConfig: mark,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: budget(map[string]float64{"LIST namespaces": 1}),
			},
		},
	})
}

func filterNamespaces(d map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range d {
		if strings.Contains(k, " namespaces") {
			out[k] = v
		}
	}
	return out
}
