# Pod Security labels for a namespace that another provider creates, for
# example as kubernetes_namespace's metadata.labels; a terraform_data stands
# for it here.
resource "terraform_data" "team_b_namespace" {
  input = {
    name = "team-b"
    labels = merge({ team = "b" }, provider::kubeharden::pod_security_labels({
      enforce      = "baseline"
      audit        = "restricted"
      warn         = "restricted"
      warn_version = "v1.36"
    }))
  }
}

output "team_b_labels" {
  value = terraform_data.team_b_namespace.output.labels
}
