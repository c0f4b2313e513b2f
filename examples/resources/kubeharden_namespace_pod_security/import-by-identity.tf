# Terraform 1.12 and later: an import block with the resource's identity.
import {
  to = kubeharden_namespace_pod_security.team_a
  identity = {
    namespace = "team-a"
  }
}
