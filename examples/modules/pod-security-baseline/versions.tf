terraform {
  # optional() attributes with defaults.
  required_version = ">= 1.3"

  required_providers {
    kubeharden = {
      source = "kubeharden/kubeharden"
    }
  }
}
