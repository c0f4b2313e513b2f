# Report violations of "restricted" everywhere, enforce "baseline".
resource "kubeharden_namespace_pod_security" "team_a" {
  namespace = "team-a"

  enforce = { level = "baseline", version = "v1.36" }
  audit   = { level = "restricted" } # version defaults to "latest"
  warn    = { level = "restricted" }

  # The plan lists the running pods a new enforce level would reject:
  # "warn" (default) shows them, "error" fails the plan, "ignore" skips it.
  on_violation = "error"
}

# Adopt the labels a namespace already has.
import {
  to = kubeharden_namespace_pod_security.team_b
  id = "team-b"
}

resource "kubeharden_namespace_pod_security" "team_b" {
  namespace = "team-b"
  enforce   = { level = "restricted" }
}
