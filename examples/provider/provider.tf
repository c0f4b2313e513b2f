# Kubernetes only: a kubeconfig file and one of its contexts.
provider "kubeharden" {
  kubernetes {
    config_path    = "~/.kube/config"
    config_context = "prod"
  }
}

# A cluster created in the same configuration: values unknown at plan time
# are fine for resources, which connect at apply. A data source read through
# this provider needs depends_on = [aws_eks_cluster.prod] (see "Cluster
# created in the same run").
provider "kubeharden" {
  alias = "eks"

  kubernetes {
    host                   = aws_eks_cluster.prod.endpoint
    cluster_ca_certificate = base64decode(aws_eks_cluster.prod.certificate_authority[0].data)
    exec {
      api_version = "client.authentication.k8s.io/v1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.prod.name]
    }
  }

  aws {
    region = "eu-west-1"
  }
}

# Google Cloud with Application Default Credentials.
provider "kubeharden" {
  alias = "gke"

  google {
    project = "my-project"
  }
}

# Azure: a service principal's secret from ARM_CLIENT_SECRET (with
# ARM_TENANT_ID and ARM_CLIENT_ID), or DefaultAzureCredential without one.
provider "kubeharden" {
  alias = "aks"

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000"
  }
}
