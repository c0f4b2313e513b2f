output "yaml" {
  description = "The EncryptionConfiguration document (with path: what is on disk)."
  value       = kubeharden_encryption_config.this.yaml
}

output "sha256" {
  description = "Hex SHA-256 of yaml; kube-apiserver reports it, as sha256:<hex>, once it has loaded the file."
  value       = kubeharden_encryption_config.this.sha256
}

output "path" {
  description = "Where kube-apiserver reads the file on the control plane nodes."
  value       = local.node_path
}

output "cloud_init" {
  description = "A cloud-init write_files entry that puts the file on a control plane node: use it as write_files = [module.x.cloud_init] in #cloud-config."
  value = {
    path        = local.node_path
    content     = kubeharden_encryption_config.this.yaml
    permissions = "0600"
    owner       = "root:root"
  }
}

output "kube_apiserver_flags" {
  description = "The kube-apiserver flags that read the file, and reload it when it changes (a rotation without restart)."
  value = [
    "--encryption-provider-config=${local.node_path}",
    "--encryption-provider-config-automatic-reload=true",
  ]
}

output "rewritten" {
  description = "Objects the last rewrite stored again; null when rewrite is false."
  value       = one(kubeharden_storage_rewrite.this[*].rewritten)
}
