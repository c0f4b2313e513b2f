# A customer-managed key for the cluster's Secrets, in the cluster's region.
resource "aws_kms_key" "eks_secrets" {
  description         = "Secrets of EKS cluster prod"
  enable_key_rotation = true # rotates the key material; the key ARN stays the same
}

resource "kubeharden_eks_secrets_encryption" "prod" {
  cluster_name = "prod"
  key_arn      = aws_kms_key.eks_secrets.arn # the key's ARN, not an alias ARN

  timeouts {
    create = "90m" # EKS re-encrypts every Secret; the default is 60m
  }
}

# EKS cannot change the key or turn the encryption off: changing key_arn is
# refused at plan time, and destroying this resource only removes it from the
# state (the cluster stays encrypted). Keep the key as long as the cluster
# exists, e.g. with lifecycle { prevent_destroy = true } on the aws_kms_key.

# A cluster encrypted outside Terraform can be brought under management with
# an import block (Terraform 1.5+), the ID being the cluster name:
#
# import {
#   to = kubeharden_eks_secrets_encryption.prod
#   id = "prod"
# }
