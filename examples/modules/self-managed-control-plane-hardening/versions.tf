terraform {
  # optional() defaults; strcontains and startswith.
  required_version = ">= 1.5"

  required_providers {
    kubeharden = {
      source = "kubeharden/kubeharden"
    }
  }
}
