# The import ID is the cluster's ARM resource ID.
terraform import kubeharden_aks_secrets_encryption.prod /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod
