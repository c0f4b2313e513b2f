# The import ID is project/location/cluster.
terraform import kubeharden_gke_secrets_encryption.prod my-project/europe-west1/prod
