data "kubeharden_gke_cluster" "prod" {
  project  = "my-project"   # optional: defaults to the provider's google.project
  location = "europe-west1" # a region for a regional cluster, a zone for a zonal one
  name     = "prod"
}

# Fail `terraform plan` in CI while a node pool still runs Docker through the
# dockershim (legacy COS, UBUNTU, WINDOWS_LTSC or WINDOWS_SAC images).
locals {
  pools_not_on_containerd = [
    for p in data.kubeharden_gke_cluster.prod.node_pools : "${p.name} (${p.image_type})"
    if p.container_runtime != "containerd"
  ]
}

check "dockershim_free" {
  assert {
    condition     = data.kubeharden_gke_cluster.prod.dockershim_free == true
    error_message = "Node pools not on containerd: ${join(", ", local.pools_not_on_containerd)}"
  }
}

output "control_plane_version" {
  value = data.kubeharden_gke_cluster.prod.version
}

output "secrets_encryption" {
  value = data.kubeharden_gke_cluster.prod.secrets_encryption
}

# What blocks the next upgrade (containerd 2, cgroup v2, node images past
# their end of support), one line per node pool and failing check. See the
# guide "Upgrade readiness checks in CI" for check blocks on it.
output "upgrade_blockers" {
  value = data.kubeharden_gke_cluster.prod.readiness.blockers
}
