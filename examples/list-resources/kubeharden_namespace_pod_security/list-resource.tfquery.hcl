# Terraform 1.14 and later, in a .tfquery.hcl file. Every namespace of the
# cluster except the system ones, as kubeharden_namespace_pod_security
# resources with the labels each has now:
#   terraform query -generate-config-out=psa.tf
# writes an import block and a resource for each, which apply without
# changing any label.
list "kubeharden_namespace_pod_security" "all" {
  provider = kubeharden
  limit    = 1000 # Terraform's default is 100

  config {
    exclude = ["kube-system", "kube-public", "kube-node-lease"]
  }
}

# Only the namespaces that Pod Security Admission does not restrict yet,
# among those a team owns.
list "kubeharden_namespace_pod_security" "unrestricted" {
  provider = kubeharden

  config {
    label_selector  = "team in (payments, search)"
    unlabelled_only = true
  }
}
