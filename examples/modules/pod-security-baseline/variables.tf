# Validation conditions repeat the levels and the version pattern: before
# Terraform 1.9 they may refer to their own variable only.

variable "enforce" {
  description = "Default enforce mode of every namespace: a level (privileged, baseline, restricted) and a version (latest or v1.N). Null: no enforce label. With enforce_only_where_clean, a namespace whose pods break this level gets the strictest lower level they pass, or no enforce label."
  type = object({
    level   = string
    version = optional(string, "latest")
  })
  default = { level = "baseline" }

  validation {
    condition     = var.enforce == null || contains(["privileged", "baseline", "restricted"], try(var.enforce.level, ""))
    error_message = "enforce.level must be \"privileged\", \"baseline\" or \"restricted\" (the Pod Security Standards levels, lower case)."
  }
  validation {
    condition     = var.enforce == null || can(regex("^(latest|v1\\.(0|[1-9][0-9]*))$", var.enforce.version))
    error_message = "enforce.version must be \"latest\" or \"v1.N\" with no leading zero, e.g. \"v1.36\" (the Kubernetes minor release whose policy applies)."
  }
}

variable "audit" {
  description = "Default audit mode of every namespace (violations are recorded in the API server's audit log). Null: no audit label."
  type = object({
    level   = string
    version = optional(string, "latest")
  })
  default = { level = "restricted" }

  validation {
    condition     = var.audit == null || contains(["privileged", "baseline", "restricted"], try(var.audit.level, ""))
    error_message = "audit.level must be \"privileged\", \"baseline\" or \"restricted\" (the Pod Security Standards levels, lower case)."
  }
  validation {
    condition     = var.audit == null || can(regex("^(latest|v1\\.(0|[1-9][0-9]*))$", var.audit.version))
    error_message = "audit.version must be \"latest\" or \"v1.N\" with no leading zero, e.g. \"v1.36\"."
  }
}

variable "warn" {
  description = "Default warn mode of every namespace (users see a warning when they create a violating workload). Null: no warn label."
  type = object({
    level   = string
    version = optional(string, "latest")
  })
  default = { level = "restricted" }

  validation {
    condition     = var.warn == null || contains(["privileged", "baseline", "restricted"], try(var.warn.level, ""))
    error_message = "warn.level must be \"privileged\", \"baseline\" or \"restricted\" (the Pod Security Standards levels, lower case)."
  }
  validation {
    condition     = var.warn == null || can(regex("^(latest|v1\\.(0|[1-9][0-9]*))$", var.warn.version))
    error_message = "warn.version must be \"latest\" or \"v1.N\" with no leading zero, e.g. \"v1.36\"."
  }
}

variable "overrides" {
  description = "Per-namespace modes, keyed by namespace name. A mode given here replaces the default for that namespace; a mode left out keeps the default. To relax one namespace, give it level \"privileged\"."
  type = map(object({
    enforce = optional(object({ level = string, version = optional(string, "latest") }))
    audit   = optional(object({ level = string, version = optional(string, "latest") }))
    warn    = optional(object({ level = string, version = optional(string, "latest") }))
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.overrides) : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", name))])
    error_message = "overrides: every key must be a namespace name (a DNS-1123 label: lower case letters, digits and '-', at most 63 characters)."
  }
  validation {
    condition = alltrue(flatten([for name, o in var.overrides : [
      for m in [o.enforce, o.audit, o.warn] : m == null || contains(["privileged", "baseline", "restricted"], try(m.level, ""))
    ]]))
    error_message = "overrides: every level must be \"privileged\", \"baseline\" or \"restricted\" (the Pod Security Standards levels, lower case)."
  }
  validation {
    condition = alltrue(flatten([for name, o in var.overrides : [
      for m in [o.enforce, o.audit, o.warn] : m == null || can(regex("^(latest|v1\\.(0|[1-9][0-9]*))$", m.version))
    ]]))
    error_message = "overrides: every version must be \"latest\" or \"v1.N\" with no leading zero, e.g. \"v1.36\"."
  }
}

variable "exclude" {
  description = "Namespaces never labelled. The default leaves out the namespaces Kubernetes itself creates, whose system pods need host access."
  type        = set(string)
  default     = ["kube-system", "kube-public", "kube-node-lease"]
  nullable    = false
}

variable "enforce_only_where_clean" {
  description = "Enforce a level only in namespaces where no existing pod breaks it. A namespace that is not clean gets the strictest lower level its pods pass (baseline when restricted was asked), or no enforce label at all, and keeps its audit and warn modes; the output below_target lists it. With false, the level is enforced everywhere: existing pods keep running, but their replacements are refused."
  type        = bool
  default     = true
  nullable    = false
}

variable "label_selector" {
  description = "Only namespaces whose labels match this selector (kubectl -l syntax), e.g. \"team\" or \"env in (prod,staging)\". Null: every namespace."
  type        = string
  default     = null
}

variable "namespaces" {
  description = "The namespaces to manage, when they must be known at plan time: a cluster, or namespaces, created in the same run. Null: every namespace the cluster has (read at plan time). See the README."
  type        = set(string)
  default     = null
}
