data "kubeharden_cluster" "this" {}

output "kubernetes_version" {
  value = data.kubeharden_cluster.this.version
}

output "container_runtimes" {
  value = data.kubeharden_cluster.this.container_runtimes
}

# Fail the plan (and the CI job running it) when a node still runs Docker or
# the control plane is older than a supported minor.
check "cluster_baseline" {
  assert {
    condition     = tonumber(data.kubeharden_cluster.this.minor) >= 30
    error_message = "The cluster runs ${data.kubeharden_cluster.this.version}; 1.30 or newer is required."
  }
  assert {
    condition     = data.kubeharden_cluster.this.dockershim_free == true
    error_message = "Some nodes run Docker (or an unknown runtime): ${join(", ", data.kubeharden_cluster.this.container_runtimes)}."
  }
}
