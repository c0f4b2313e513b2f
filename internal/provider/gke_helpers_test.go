package provider

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakegke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
)

// The fake finishes an operation after a few polls: poll it every few
// milliseconds instead of every few seconds. Set before any client exists.
func init() {
	gke.DefaultTiming = gke.Timing{PollInterval: 10 * time.Millisecond, RetryInitial: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond}
}

const (
	gkeTestProject  = "kh-test"
	gkeTestLocation = "europe-west1"
)

// startFakeGKE starts a fake Kubernetes Engine API for an acceptance test.
// Tests that use it run in parallel: each has its own fake.
func startFakeGKE(t *testing.T) *fakegke.Server {
	t.Helper()
	acctest.PreCheck(t)
	return fakegke.Start(t)
}

// gkeProviderConfig points the provider at the fake. project may be empty
// to leave google.project unset.
func gkeProviderConfig(s *fakegke.Server, project string) string {
	p := ""
	if project != "" {
		p = fmt.Sprintf("project      = %q\n    ", project)
	}
	return fmt.Sprintf(`
provider "kubeharden" {
  google {
    %saccess_token = "test"
    endpoints {
      container = %q
    }
  }
}
`, p, s.URL)
}

// gkeKey is a Cloud KMS key name in the test project.
func gkeKey(name string) string {
	return "projects/" + gkeTestProject + "/locations/" + gkeTestLocation + "/keyRings/ring/cryptoKeys/" + name
}

// gkeNoProjectInEnv says whether a provider block without google.project
// really has no project: GOOGLE_PROJECT would fill it in. Parallel tests
// cannot unset it, so the steps that need it unset are left out.
func gkeNoProjectInEnv(t *testing.T) bool {
	if os.Getenv("GOOGLE_PROJECT") != "" {
		t.Log("GOOGLE_PROJECT is set: skipping the missing-project steps")
		return false
	}
	return true
}
