# Encrypt the cluster's Secrets in etcd with a Key Vault key (AKS KMS). The
# cluster's identity needs "Key Vault Crypto User" on the key. A new key_id
# (rotation) is an in-place update: rewrite the Secrets afterwards with
# kubeharden_storage_rewrite before retiring the old key version.
resource "kubeharden_aks_secrets_encryption" "prod" {
  # subscription_id defaults to the provider's azure.subscription_id.
  resource_group_name = "rg-prod"
  cluster_name        = "prod"
  key_id              = "https://kv-prod.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef"

  # "Private" also needs key_vault_resource_id, the vault's ARM ID.
  key_vault_network_access = "Public"

  # Defaults: create, update and delete 60m; read 5m.
  timeouts {
    update = "90m"
  }
}
