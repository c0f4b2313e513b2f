package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	container "google.golang.org/api/container/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

func pool(name, version, imageType string) *container.NodePool {
	return &container.NodePool{Name: name, Version: version, Config: &container.NodeConfig{ImageType: imageType}, InitialNodeCount: 1}
}

func TestAccGKEClusterDataSource_basic(t *testing.T) {
	s := startFakeGKE(t)
	// A cluster mid-migration: containerd, Docker and Windows pools, on a
	// release channel, with Secrets encrypted.
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "mixed", CurrentMasterVersion: "1.23.17-gke.10700", Endpoint: "203.0.113.10",
		ReleaseChannel: &container.ReleaseChannel{Channel: "STABLE"},
		DatabaseEncryption: &container.DatabaseEncryption{
			State: "ENCRYPTED", KeyName: gkeKey("k1"), CurrentState: "CURRENT_STATE_ENCRYPTED",
		},
		NodePools: []*container.NodePool{
			pool("win-ltsc", "1.23.17-gke.10700", "WINDOWS_LTSC"),
			pool("default-pool", "1.23.17-gke.10700", "COS_CONTAINERD"),
			pool("legacy-cos", "1.22.17-gke.4000", "COS"),
			pool("ubuntu", "1.22.17-gke.4000", "UBUNTU"),
			pool("win-sac", "1.23.17-gke.10700", "WINDOWS_SAC"),
			pool("win-ltsc-cd", "1.23.17-gke.10700", "windows_ltsc_containerd"),
		},
	})
	// A cluster in a zone of another project, all containerd, no channel.
	s.AddCluster("other-project", "europe-west1-b", &container.Cluster{
		Name: "modern", CurrentMasterVersion: "1.36.3-gke.1200000", Endpoint: "203.0.113.20",
		NodePools: []*container.NodePool{pool("a", "1.36.3-gke.1200000", "COS_CONTAINERD"), pool("b", "1.36.3-gke.1200000", "UBUNTU_CONTAINERD")},
	})
	// A cluster with a custom image: its runtime is not known.
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "custom", CurrentMasterVersion: "1.36.3-gke.1200000", Status: "RECONCILING",
		ReleaseChannel: &container.ReleaseChannel{Channel: "REGULAR"},
		NodePools:      []*container.NodePool{pool("a", "1.36.3-gke.1200000", "COS_CONTAINERD"), pool("b", "1.36.3-gke.1200000", "CUSTOM_IMAGE")},
	})
	// A cluster without node pools (all of them deleted).
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{Name: "empty", CurrentMasterVersion: "1.36.3-gke.1200000"})

	np := func(name, version, imageType, rt string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(name), "version": knownvalue.StringExact(version),
			"image_type": knownvalue.StringExact(imageType), "container_runtime": knownvalue.StringExact(rt),
		})
	}
	str := knownvalue.StringExact
	mixed, modern, custom, empty := "data.kubeharden_gke_cluster.mixed", "data.kubeharden_gke_cluster.modern", "data.kubeharden_gke_cluster.custom", "data.kubeharden_gke_cluster.empty"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: gkeProviderConfig(s, gkeTestProject) + fmt.Sprintf(`
data "kubeharden_gke_cluster" "mixed" {
  location = %[1]q
  name     = "mixed"
}
data "kubeharden_gke_cluster" "modern" {
  project  = "other-project"
  location = "europe-west1-b"
  name     = "modern"
}
data "kubeharden_gke_cluster" "custom" {
  location = %[1]q
  name     = "custom"
}
data "kubeharden_gke_cluster" "empty" {
  location = %[1]q
  name     = "empty"
}
`, gkeTestLocation),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("id"), str(gkeTestProject+"/"+gkeTestLocation+"/mixed")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("project"), str(gkeTestProject)),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("version"), str("1.23.17-gke.10700")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("release_channel"), str("STABLE")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("status"), str("RUNNING")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("endpoint"), str("203.0.113.10")),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"state": str("ENCRYPTED"), "key_name": str(gkeKey("k1")), "current_state": str("CURRENT_STATE_ENCRYPTED"),
				})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("node_pools"), knownvalue.ListExact([]knownvalue.Check{
					np("default-pool", "1.23.17-gke.10700", "COS_CONTAINERD", "containerd"),
					np("legacy-cos", "1.22.17-gke.4000", "COS", "docker"),
					np("ubuntu", "1.22.17-gke.4000", "UBUNTU", "docker"),
					np("win-ltsc", "1.23.17-gke.10700", "WINDOWS_LTSC", "docker"),
					np("win-ltsc-cd", "1.23.17-gke.10700", "windows_ltsc_containerd", "containerd"),
					np("win-sac", "1.23.17-gke.10700", "WINDOWS_SAC", "docker"),
				})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{str("containerd"), str("docker")})),
				statecheck.ExpectKnownValue(mixed, tfjsonpath.New("dockershim_free"), knownvalue.Bool(false)),

				statecheck.ExpectKnownValue(modern, tfjsonpath.New("project"), str("other-project")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("release_channel"), str("UNSPECIFIED")),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"state": str("DECRYPTED"), "key_name": knownvalue.Null(), "current_state": str("CURRENT_STATE_DECRYPTED"),
				})),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{str("containerd")})),
				statecheck.ExpectKnownValue(modern, tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),

				statecheck.ExpectKnownValue(custom, tfjsonpath.New("status"), str("RECONCILING")),
				statecheck.ExpectKnownValue(custom, tfjsonpath.New("node_pools").AtSliceIndex(1).AtMapKey("container_runtime"), str("unknown")),
				statecheck.ExpectKnownValue(custom, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{str("containerd"), str("unknown")})),
				statecheck.ExpectKnownValue(custom, tfjsonpath.New("dockershim_free"), knownvalue.Null()),

				statecheck.ExpectKnownValue(empty, tfjsonpath.New("node_pools"), knownvalue.ListExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(empty, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(empty, tfjsonpath.New("dockershim_free"), knownvalue.Null()),
			},
		}},
	})
}

// TestAccGKEClusterDataSource_errors: a missing cluster or project is an
// error that names what was looked for.
func TestAccGKEClusterDataSource_errors(t *testing.T) {
	s := startFakeGKE(t)
	missing := gkeProviderConfig(s, gkeTestProject) + `
data "kubeharden_gke_cluster" "this" {
  location = "europe-west1-c"
  name     = "missing"
}`
	steps := []resource.TestStep{
		{Config: missing, ExpectError: acctest.ErrorText(`GKE Cluster Not Found`)},
		{Config: missing, ExpectError: acctest.ErrorText(`clusters.get "projects/kh-test/locations/europe-west1-c/clusters/missing": HTTP 404 NOT_FOUND`)},
	}
	if gkeNoProjectInEnv(t) {
		steps = append(steps, resource.TestStep{
			Config: gkeProviderConfig(s, "") + `
data "kubeharden_gke_cluster" "this" {
  location = "europe-west1"
  name     = "prod"
}`,
			ExpectError: acctest.ErrorText(`Missing Project`),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccGKEClusterDataSource_badInput: malformed arguments fail at plan
// time, naming the attribute.
func TestAccGKEClusterDataSource_badInput(t *testing.T) {
	s := startFakeGKE(t)
	cases := []struct{ attr, value, want string }{
		{"location", "", "Attribute location must be a region"},
		{"location", "Europe-West1", "Attribute location must be a region"},
		{"location", "europe-west1/b", "Attribute location must be a region"},
		{"name", "", "Attribute name must be a GKE cluster name"},
		{"name", "Prod", "Attribute name must be a GKE cluster name"},
		{"name", "prod-", "Attribute name must be a GKE cluster name"},
		{"name", strings.Repeat("a", 41), "Attribute name string length must be at most 40"},
		{"project", "", "Attribute project must be a project ID"},
		{"project", "a/b", "Attribute project must be a project ID"},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		args := map[string]string{"location": "europe-west1", "name": "prod"}
		args[c.attr] = c.value
		body := ""
		for _, k := range []string{"project", "location", "name"} {
			if v, ok := args[k]; ok {
				body += fmt.Sprintf("  %s = %q\n", k, v)
			}
		}
		steps = append(steps, resource.TestStep{
			Config:      gkeProviderConfig(s, gkeTestProject) + "data \"kubeharden_gke_cluster\" \"this\" {\n" + body + "}\n",
			PlanOnly:    true,
			ExpectError: acctest.ErrorText(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := s.Calls("container.projects.locations.clusters.get"); n != 0 {
		t.Errorf("%d clusters.get calls for configurations that fail validation", n)
	}
}

// cgroupPool is a node pool with the cgroup modes GKE reports: effective
// (output only) and the requested linuxNodeConfig.cgroupMode, either empty.
func cgroupPool(name, version, imageType, effective, requested string) *container.NodePool {
	p := pool(name, version, imageType)
	p.Config.EffectiveCgroupMode = effective
	if requested != "" {
		p.Config.LinuxNodeConfig = &container.LinuxNodeConfig{CgroupMode: requested}
	}
	return p
}

// TestAccGKEClusterDataSource_readiness reads the readiness of an
// Autopilot cluster that passes every check (a Windows pool left out of
// cgroup_v2), a Standard cluster that fails each, and one the API cannot
// tell about (a custom image, an unspecified cgroup mode).
func TestAccGKEClusterDataSource_readiness(t *testing.T) {
	s := startFakeGKE(t)
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "ready", CurrentMasterVersion: "1.35.1-gke.1000", Autopilot: &container.Autopilot{Enabled: true},
		NodePools: []*container.NodePool{
			cgroupPool("linux", "1.33.0-gke.1000", "COS_CONTAINERD", "EFFECTIVE_CGROUP_MODE_V2", ""),
			cgroupPool("ubuntu", "1.34.2-gke.1000", "UBUNTU_CONTAINERD", "", "CGROUP_MODE_V2"),
			cgroupPool("windows", "1.35.0-gke.1000", "WINDOWS_LTSC_CONTAINERD", "EFFECTIVE_CGROUP_MODE_UNSPECIFIED", ""),
		},
	})
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "legacy", CurrentMasterVersion: "1.32.4-gke.1000",
		NodePools: []*container.NodePool{
			cgroupPool("cgroup-v1", "1.32.4-gke.1000", "COS_CONTAINERD", "EFFECTIVE_CGROUP_MODE_V1", "CGROUP_MODE_V1"),
			cgroupPool("docker", "1.23.17-gke.10700", "UBUNTU", "EFFECTIVE_CGROUP_MODE_V2", ""),
			cgroupPool("windows", "1.34.1-gke.1000", "WINDOWS_LTSC_CONTAINERD", "EFFECTIVE_CGROUP_MODE_UNSPECIFIED", ""),
		},
	})
	s.AddCluster(gkeTestProject, gkeTestLocation, &container.Cluster{
		Name: "unknown", CurrentMasterVersion: "1.36.3-gke.1200000",
		NodePools: []*container.NodePool{
			cgroupPool("custom", "1.36.3-gke.1200000", "CUSTOM_IMAGE", "EFFECTIVE_CGROUP_MODE_V2", ""),
			cgroupPool("unspecified", "1.36.3-gke.1200000", "COS_CONTAINERD", "", "CGROUP_MODE_UNSPECIFIED"),
		},
	})
	config := gkeProviderConfig(s, gkeTestProject)
	for _, n := range []string{"ready", "legacy", "unknown"} {
		config += fmt.Sprintf("data \"kubeharden_gke_cluster\" %[1]q {\n  location = %[2]q\n  name     = %[1]q\n}\n", n, gkeTestLocation)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.ready", tfjsonpath.New("autopilot"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.ready", tfjsonpath.New("readiness"), cloudReadinessCheck("true", "true", "true")),
				statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.legacy", tfjsonpath.New("autopilot"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.legacy", tfjsonpath.New("readiness"), cloudReadinessCheck("false", "false", "false",
					"node pool cgroup-v1: runs cgroup v1, which kubelets refuse by default from Kubernetes 1.35 (set linuxNodeConfig.cgroupMode to CGROUP_MODE_V2)",
					"node pool cgroup-v1: nodes on 1.32 run containerd 1.7 or earlier; GKE moves them to containerd 2 at 1.33",
					"node pool docker: image type UBUNTU runs Docker, not containerd 2",
					"node pool docker: image type UBUNTU is a Docker image, which GKE does not support from 1.24 (move to a _CONTAINERD image type)",
					"node pool windows: nodes on 1.34 run containerd 1.7 or earlier; GKE moves them to containerd 2 at 1.35",
				)),
				statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.unknown", tfjsonpath.New("readiness"), cloudReadinessCheck("null", "null", "null")),
			},
		}},
	})
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("the fake GKE saw requests or sent responses off the API's schema: %q", v)
	}
}
