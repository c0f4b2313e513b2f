# Encrypt the cluster's Secrets in etcd with a Cloud KMS key. The key must be
# in the cluster's region, and the GKE service agent
# (service-PROJECT_NUMBER@container-engine-robot.iam.gserviceaccount.com)
# needs roles/cloudkms.cryptoKeyEncrypterDecrypter on it, e.g. with
# hashicorp/google's google_kms_crypto_key_iam_member.
resource "kubeharden_gke_secrets_encryption" "prod" {
  project  = "my-project"   # optional: defaults to the provider's google.project
  location = "europe-west1" # the cluster's region, or zone for a zonal cluster
  cluster  = "prod"
  key_name = "projects/my-project/locations/europe-west1/keyRings/gke/cryptoKeys/secrets"

  # Defaults: create, update and delete 30m; read 10m.
  timeouts {
    create = "45m"
  }
}

# A cluster that already encrypts its Secrets can be brought under Terraform
# with an import block (Terraform 1.5+):
#
# import {
#   to = kubeharden_gke_secrets_encryption.prod
#   id = "my-project/europe-west1/prod"
# }
