# The EncryptionConfiguration, validated at plan time with kube-apiserver's
# own rules, and written to path when given.
resource "kubeharden_encryption_config" "this" {
  path              = var.path
  resources         = var.resources
  kms               = var.kms
  identity_fallback = var.identity_fallback
}

# After a change of the configuration (a key rotation), wait until
# kube-apiserver has loaded it, then store every object again with the
# first plugin. A new sha256 replaces this resource, which runs it again.
resource "kubeharden_storage_rewrite" "this" {
  count = var.rewrite ? 1 : 0

  resources                = var.rewrite_resources != null ? var.rewrite_resources : var.resources
  encryption_config_sha256 = kubeharden_encryption_config.this.sha256
  triggers                 = var.rewrite_triggers

  lifecycle {
    precondition {
      condition     = var.rewrite_resources != null || alltrue([for r in var.resources : !strcontains(r, "*")])
      error_message = "rewrite_resources: resources holds a wildcard, which the rewrite cannot list; name the resources to rewrite, e.g. [\"secrets\", \"configmaps\"]."
    }
  }
}

locals {
  node_path = coalesce(var.node_path, var.path, "/etc/kubernetes/enc/encryption-config.yaml")
}
