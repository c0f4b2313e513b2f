data "kubeharden_pod_security_violations" "team_a" {
  namespace = "team-a"
  level     = "restricted"
}

# Fails `terraform plan` in CI while pods in team-a would be rejected by
# "restricted", and names them.
check "team_a_ready_for_restricted" {
  assert {
    condition = data.kubeharden_pod_security_violations.team_a.compliant
    error_message = join("\n", [
      for v in data.kubeharden_pod_security_violations.team_a.violations :
      "${v.pod}: ${join(", ", v.reasons)}"
    ])
  }
}
