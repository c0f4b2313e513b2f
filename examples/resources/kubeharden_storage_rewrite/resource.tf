# Re-write every Secret through the API so that each is stored again with
# the current write provider, as
#   kubectl get secrets -A -o json | kubectl replace -f -
# does, with paging, resourceVersion preconditions and conflict retries.
resource "kubeharden_storage_rewrite" "after_rotation" {
  resources = ["secrets"] # the default; e.g. ["secrets", "configmaps", "deployments.apps"]

  # Wait until kube-apiserver reports that it has loaded this configuration
  # (its automatic reload checks the file about once a minute), then rewrite.
  # A new configuration runs the rewrite again.
  encryption_config_sha256 = kubeharden_encryption_config.this.sha256

  # Any other reason to run it again, as terraform_data's triggers_replace.
  triggers = {
    key_generation = "2026-01"
  }

  timeouts {
    create = "30m" # default 20m: large clusters take longer
  }
}

output "rewritten_secrets" {
  value = kubeharden_storage_rewrite.after_rotation.rewritten
}
