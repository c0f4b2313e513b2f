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

provider "kubeharden" {
  kubernetes {
    config_path = var.kubeconfig
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

data "kubeharden_cluster" "this" {}

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
