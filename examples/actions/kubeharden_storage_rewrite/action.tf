# Terraform 1.16 and later. After the encryption configuration changes (a
# key rotation, or encryption turned on), re-write every Secret so that each
# is stored again with the new write provider. For OpenTofu and older
# Terraform, use the kubeharden_storage_rewrite resource instead.
resource "kubeharden_encryption_config" "this" {
  path      = "/etc/kubernetes/enc/encryption-config.yaml"
  resources = ["secrets"]
  kms = [
    { name = "kms-2026", endpoint = "unix:///var/run/kmsplugin/kms-2026.sock" },
  ]
  # Keep reading what was stored before encryption was turned on, until
  # the rewrite has stored it again.
  identity_fallback = true

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.kubeharden_storage_rewrite.secrets]
    }
  }
}

action "kubeharden_storage_rewrite" "secrets" {
  config {
    resources = ["secrets"] # the default; e.g. ["secrets", "configmaps"]

    # Wait until kube-apiserver reports that it has loaded the new
    # configuration (its automatic reload checks the file about once a
    # minute), then rewrite. `caller` is the resource that triggered the
    # action.
    encryption_config_sha256 = caller.sha256

    timeout = "30m" # default 20m: large clusters take longer
  }
}

# To run a rewrite by hand with
#   terraform apply -invoke=action.kubeharden_storage_rewrite.by_hand
# declare an action that names the resource rather than `caller`, which
# only a trigger provides:
action "kubeharden_storage_rewrite" "by_hand" {
  config {
    encryption_config_sha256 = kubeharden_encryption_config.this.sha256
  }
}
