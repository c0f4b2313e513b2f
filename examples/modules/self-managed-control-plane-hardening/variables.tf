variable "kms" {
  description = "KMS v2 plugins, in order: the first encrypts every write, the others only decrypt what was written before a rotation. To rotate, put the new plugin first and keep the old one after it until the rewrite has run. Names are recorded in every stored object: never reuse one for another key."
  type = list(object({
    name     = string
    endpoint = string
    timeout  = optional(string, "3s")
  }))
  nullable = false

  validation {
    condition     = length(var.kms) > 0
    error_message = "kms: give at least one KMS v2 plugin, e.g. [{ name = \"kms-2026\", endpoint = \"unix:///var/run/kms/plugin.sock\" }]."
  }
  validation {
    condition     = length(distinct([for k in var.kms : k.name])) == length(var.kms) && alltrue([for k in var.kms : k.name != "" && !strcontains(k.name, ":")])
    error_message = "kms: every name must be unique, not empty, and without ':' (kube-apiserver records it in each stored object as k8s:enc:kms:v2:<name>:)."
  }
  validation {
    condition     = alltrue([for k in var.kms : startswith(k.endpoint, "unix:///")])
    error_message = "kms: every endpoint must be a unix socket, unix:///path/to/plugin.sock (kube-apiserver supports no other)."
  }
}

variable "path" {
  description = "Where Terraform writes the EncryptionConfiguration, on the machine that runs it (a control plane node, or a folder that is copied to one). Null: nothing is written; use the outputs in cloud-init or configuration management."
  type        = string
  default     = null
}

variable "node_path" {
  description = "Where kube-apiserver reads the file on the control plane nodes, for the cloud_init and kube_apiserver_flags outputs. Null: path, or /etc/kubernetes/enc/encryption-config.yaml."
  type        = string
  default     = null
}

variable "resources" {
  description = "The resources to encrypt, as kube-apiserver names them: secrets, configmaps, deployments.apps, *.apps (a whole group), *. (the core group)."
  type        = list(string)
  default     = ["secrets"]
  nullable    = false
}

variable "identity_fallback" {
  description = "Keep identity last, so objects stored before encryption was enabled stay readable. Set it to false once the rewrite has run on every resource."
  type        = bool
  default     = true
  nullable    = false
}

variable "rewrite" {
  description = "Re-write the objects of rewrite_resources after every change of the configuration, once kube-apiserver has loaded it, so that they are stored with the first KMS plugin. Set it to false while the control plane does not exist yet (the first run of a cluster written through cloud-init)."
  type        = bool
  default     = true
  nullable    = false
}

variable "rewrite_resources" {
  description = "The resources to rewrite, by plural name with the group when not core (secrets, configmaps, deployments.apps; no wildcards). Null: resources, which must then hold no wildcard."
  type        = list(string)
  default     = null
}

variable "rewrite_triggers" {
  description = "Any value whose change runs the rewrite again, as terraform_data's triggers_replace."
  type        = map(string)
  default     = {}
  nullable    = false
}
