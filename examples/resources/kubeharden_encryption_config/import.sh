# The import ID is the path of the file.
terraform import kubeharden_encryption_config.this /etc/kubernetes/enc/encryption-config.yaml
