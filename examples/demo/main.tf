# The configuration `make demo` applies to the local control plane it starts.
# The provider is the one built from this repository (a dev override), so
# nothing is downloaded from a registry.
terraform {
  required_providers {
    kubeharden = {
      source = "kubeharden/kubeharden"
    }
  }
}

variable "kubeconfig" {
  type        = string
  description = "Path of the local control plane's kubeconfig."
}

variable "enforce_everywhere" {
  type        = bool
  default     = false
  description = "Also enforce baseline in team-c, whose pods break it (the demo shows the plan's preview of that)."
}

variable "eks_endpoint" {
  type        = string
  description = "EKS API endpoint (moto's server in the demo)."
}

variable "azure_endpoint" {
  type        = string
  description = "Azure Resource Manager and Entra ID URL (the fake ARM in the demo). The subscription and the service principal come from ARM_SUBSCRIPTION_ID, ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET."
}

provider "kubeharden" {
  kubernetes {
    config_path = var.kubeconfig
  }
  aws {
    region = "us-east-1"
    endpoints {
      eks = var.eks_endpoint
    }
  }
  azure {
    endpoints {
      resource_manager = var.azure_endpoint
      active_directory = var.azure_endpoint
    }
  }
}

locals {
  # Namespaces whose running pods all pass "baseline".
  safe   = ["team-a", "team-b"]
  unsafe = ["team-c"]
}

# Observe "restricted" everywhere; enforce "baseline" where it is safe.
resource "kubeharden_namespace_pod_security" "safe" {
  count     = length(local.safe)
  namespace = local.safe[count.index]
  enforce   = { level = "baseline", version = "v1.36" }
  audit     = { level = "restricted" }
  warn      = { level = "restricted" }
}

resource "kubeharden_namespace_pod_security" "unsafe" {
  count     = length(local.unsafe)
  namespace = local.unsafe[count.index]
  enforce   = var.enforce_everywhere ? { level = "baseline", version = "v1.36" } : null
  audit     = { level = "restricted" }
  warn      = { level = "restricted" }
}

# What would "baseline" break in team-c? Read-only, evaluated offline.
data "kubeharden_pod_security_violations" "team_c" {
  namespace = "team-c"
  level     = "baseline"
}

# seccomp RuntimeDefault written into every new pod that sets no profile,
# so those pods pass "restricted" too.
resource "kubeharden_seccomp_default" "runtime_default" {
  name               = "runtime-default"
  profile            = { type = "RuntimeDefault" }
  exclude_namespaces = ["kube-system"]
}

variable "encryption_config_path" {
  type        = string
  description = "Where to write the EncryptionConfiguration (a temp folder in the demo)."
}

# KMS v2 encryption at rest for a self-managed control plane: the file
# kube-apiserver reads with --encryption-provider-config.
resource "kubeharden_encryption_config" "this" {
  path      = var.encryption_config_path
  resources = ["secrets"]
  kms = [
    { name = "kms-2026", endpoint = "unix:///var/run/kmsplugin/kms-2026.sock", timeout = "3s" },
  ]
  identity_fallback = true
}

data "kubeharden_cluster" "this" {}

# What the EKS cluster really runs, from the EKS API.
data "kubeharden_eks_cluster" "prod" {
  name = "demo-prod"
}

# Upgrade readiness in CI: fails while a node group runs an image past its
# end of support (the legacy AL2 group). A failed check is a warning; the
# demo reads its status from the saved plan, as a CI job would.
check "eks_upgrade_readiness" {
  assert {
    condition     = data.kubeharden_eks_cluster.prod.readiness.supported_images == true
    error_message = "EKS cluster demo-prod is not ready to upgrade: ${join("; ", data.kubeharden_eks_cluster.prod.readiness.blockers)}"
  }
}

# What the AKS cluster really runs, from Azure Resource Manager.
data "kubeharden_aks_cluster" "prod" {
  resource_group_name = "rg-demo"
  name                = "demo-aks"
}

output "kubernetes_version" {
  value = data.kubeharden_cluster.this.version
}

output "container_runtimes" {
  value = data.kubeharden_cluster.this.container_runtimes
}

output "dockershim_free" {
  value = data.kubeharden_cluster.this.dockershim_free
}

output "team_c_baseline_violations" {
  value = { for v in data.kubeharden_pod_security_violations.team_c.violations : v.pod => join(", ", v.reasons) }
}

output "eks_version" {
  value = data.kubeharden_eks_cluster.prod.version
}

output "eks_node_group_runtimes" {
  value = { for ng in data.kubeharden_eks_cluster.prod.node_groups : ng.name => "${ng.container_runtime} (Kubernetes ${ng.version}, ${ng.ami_type})" }
}

output "eks_dockershim_free" {
  value = data.kubeharden_eks_cluster.prod.dockershim_free
}

output "aks_version" {
  value = data.kubeharden_aks_cluster.prod.version
}

output "aks_node_pool_runtimes" {
  value = { for np in data.kubeharden_aks_cluster.prod.node_pools : np.name => "${np.container_runtime} (Kubernetes ${np.version}, ${np.os_type} ${np.os_sku})" }
}

output "aks_dockershim_free" {
  value = data.kubeharden_aks_cluster.prod.dockershim_free
}

output "encryption_config_sha256" {
  value = kubeharden_encryption_config.this.sha256
}
