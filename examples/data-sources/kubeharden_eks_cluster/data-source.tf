# What an EKS cluster runs, from the EKS API alone (no Kubernetes access needed).
data "kubeharden_eks_cluster" "prod" {
  name = "prod"
}

output "prod_runtimes" {
  # e.g. ["containerd"]; "docker" for AL2/Windows node groups before 1.24,
  # "unknown" for CUSTOM AMIs.
  value = data.kubeharden_eks_cluster.prod.container_runtimes
}

output "prod_node_groups_on_docker" {
  value = [
    for ng in data.kubeharden_eks_cluster.prod.node_groups : ng.name
    if ng.container_runtime == "docker"
  ]
}

locals {
  minimum_minor_version = 30
}

# A check block is evaluated on every plan and apply. Terraform reports a
# failed assertion as a warning, so CI fails on it by looking for it, e.g.:
#
#   terraform plan -no-color | tee plan.txt
#   ! grep -q "Check block assertion failed" plan.txt
#
# (A lifecycle postcondition on the data source would fail the run instead.)
check "prod_baseline" {
  assert {
    condition     = tonumber(split(".", data.kubeharden_eks_cluster.prod.version)[1]) >= local.minimum_minor_version
    error_message = "EKS cluster prod runs Kubernetes ${data.kubeharden_eks_cluster.prod.version}; the baseline is 1.${local.minimum_minor_version} or newer."
  }

  assert {
    # dockershim_free is null when a runtime cannot be told (a CUSTOM AMI, or
    # no managed node groups): only a known "true" passes.
    condition     = data.kubeharden_eks_cluster.prod.dockershim_free == true
    error_message = "EKS cluster prod still runs Docker, or runs node groups whose runtime is unknown: ${join(", ", data.kubeharden_eks_cluster.prod.container_runtimes)}."
  }

  assert {
    # key_owner is "aws" for EKS's default envelope encryption (1.28+) and
    # "customer" with a KMS key of your own.
    condition     = try(data.kubeharden_eks_cluster.prod.secrets_encryption.key_owner, null) == "customer"
    error_message = "EKS cluster prod does not encrypt its Secrets with a KMS key of its own (see kubeharden_eks_secrets_encryption)."
  }
}

# What blocks the next upgrade: AL2 node groups (end of support, cgroup v1),
# old Bottlerocket variants. A null check means the EKS API cannot tell
# (a CUSTOM AMI, EKS Auto Mode): only a known true passes.
check "prod_upgrade_readiness" {
  assert {
    condition     = data.kubeharden_eks_cluster.prod.readiness.cgroup_v2 == true && data.kubeharden_eks_cluster.prod.readiness.supported_images == true
    error_message = "EKS cluster prod is not ready to upgrade: ${join("; ", data.kubeharden_eks_cluster.prod.readiness.blockers)}"
  }
}
