# The import ID is the name of the EKS cluster, in the provider's region.
terraform import kubeharden_eks_secrets_encryption.prod prod
