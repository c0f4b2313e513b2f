# What an AKS cluster runs, from Azure Resource Manager alone (no Kubernetes
# access needed). subscription_id defaults to the provider's.
data "kubeharden_aks_cluster" "prod" {
  resource_group_name = "rg-prod"
  name                = "prod"
}

output "prod_runtimes" {
  # e.g. ["containerd"]; "docker" for Linux pools before 1.19 and Windows
  # pools before 1.23.
  value = data.kubeharden_aks_cluster.prod.container_runtimes
}

output "prod_node_pools_on_docker" {
  value = [
    for np in data.kubeharden_aks_cluster.prod.node_pools : np.name
    if np.container_runtime == "docker"
  ]
}

locals {
  minimum_minor_version = 30
}

# A check block is evaluated on every plan and apply; Terraform reports a
# failed assertion as a warning (see the EKS data source's example for CI).
check "prod_baseline" {
  assert {
    condition     = tonumber(split(".", data.kubeharden_aks_cluster.prod.version)[1]) >= local.minimum_minor_version
    error_message = "AKS cluster prod runs Kubernetes ${data.kubeharden_aks_cluster.prod.version}; the baseline is 1.${local.minimum_minor_version} or newer."
  }

  assert {
    # dockershim_free is null when a runtime cannot be told: only a known
    # "true" passes.
    condition     = data.kubeharden_aks_cluster.prod.dockershim_free == true
    error_message = "AKS cluster prod still runs Docker, or node pools whose runtime is unknown: ${join(", ", data.kubeharden_aks_cluster.prod.container_runtimes)}."
  }

  assert {
    condition     = data.kubeharden_aks_cluster.prod.secrets_encryption != null
    error_message = "AKS cluster prod does not encrypt its Secrets with an Azure Key Vault key (KMS etcd encryption)."
  }
}

# What blocks the next upgrade (containerd 2, cgroup v2, node images past
# their end of support), one line per node pool and failing check. See the
# guide "Upgrade readiness checks in CI" for check blocks on it.
output "upgrade_blockers" {
  value = data.kubeharden_aks_cluster.prod.readiness.blockers
}
