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

provider "kubeharden" {
  kubernetes {
    config_path = var.kubeconfig
  }
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
