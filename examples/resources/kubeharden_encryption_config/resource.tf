# Write the EncryptionConfiguration of a kubeadm control plane node.
# kube-apiserver reads it with:
#   --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml
#   --encryption-provider-config-automatic-reload=true
resource "kubeharden_encryption_config" "this" {
  path      = "/etc/kubernetes/enc/encryption-config.yaml" # written atomically, mode 0600
  resources = ["secrets", "configmaps"]                    # default ["secrets"]

  # The first provider encrypts every write; the others only decrypt
  # (objects written before a rotation).
  kms = [
    { name = "kms-2026", endpoint = "unix:///var/run/kmsplugin/kms-2026.sock", timeout = "3s" },
    { name = "kms-2025", endpoint = "unix:///var/run/kmsplugin/kms-2025.sock" },
  ]

  # Keep data stored before encryption was enabled readable. Set to false
  # once kubeharden_storage_rewrite has rewritten everything.
  identity_fallback = true
}

# Without path, nothing is written: hand the document to cloud-init or
# configuration management.
resource "kubeharden_encryption_config" "rendered" {
  kms = [{ name = "kms-2026", endpoint = "unix:///var/run/kmsplugin/kms-2026.sock" }]
}

output "encryption_config_yaml" {
  value = kubeharden_encryption_config.rendered.yaml
}

# Re-encrypt existing Secrets once every API server runs the new configuration.
resource "kubeharden_storage_rewrite" "after_rotation" {
  resources                = ["secrets", "configmaps"]
  encryption_config_sha256 = kubeharden_encryption_config.this.sha256
}

# An existing file can be adopted (one resources entry, KMS v2 providers,
# identity last):
# import {
#   to = kubeharden_encryption_config.this
#   id = "/etc/kubernetes/enc/encryption-config.yaml"
# }
