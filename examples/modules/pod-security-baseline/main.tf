# Every namespace (or those of var.namespaces), with its live levels and how
# many of its pods break each level, from one LIST of namespaces and one of
# pods.
data "kubeharden_namespaces" "this" {
  label_selector   = var.label_selector
  exclude          = var.exclude
  evaluate         = true
  evaluate_version = var.enforce == null ? null : var.enforce.version
}

locals {
  found = data.kubeharden_namespaces.this.namespaces

  # The for_each keys. From the cluster, unless the caller names the
  # namespaces: then they are known at plan time even when the cluster, and
  # so the data source, is not read before apply.
  names = var.namespaces == null ? toset(keys(local.found)) : setsubtract(var.namespaces, var.exclude)

  # The modes asked for each namespace: its override, mode by mode, or the
  # default.
  target = { for ns in local.names : ns => {
    enforce = try(var.overrides[ns].enforce, null) != null ? var.overrides[ns].enforce : var.enforce
    audit   = try(var.overrides[ns].audit, null) != null ? var.overrides[ns].audit : var.audit
    warn    = try(var.overrides[ns].warn, null) != null ? var.overrides[ns].warn : var.warn
  } }

  # The levels that may be enforced instead of a target, strictest first.
  # privileged is never a stand-in: a namespace that passes none of its
  # candidates gets no enforce label (audit and warn only).
  candidates = {
    restricted = ["restricted", "baseline"]
    baseline   = ["baseline"]
    privileged = ["privileged"]
  }

  # The enforce level each namespace gets: the target, or, with
  # enforce_only_where_clean, the strictest candidate no pod breaks. A
  # namespace the data source did not see (created in this run) has no pods.
  enforced = { for ns, t in local.target : ns => (
    t.enforce == null ? null :
    !var.enforce_only_where_clean ? t.enforce.level :
    try([for l in local.candidates[t.enforce.level] : l if try(local.found[ns].violations[l], 0) == 0][0], null)
  ) }
}

resource "kubeharden_namespace_pod_security" "this" {
  for_each = local.target

  namespace = each.key
  enforce   = local.enforced[each.key] == null ? null : { level = local.enforced[each.key], version = each.value.enforce.version }
  audit     = each.value.audit
  warn      = each.value.warn
}

# Overrides that name no managed namespace are most likely typos.
check "overrides_match_namespaces" {
  assert {
    condition     = length(setsubtract(keys(var.overrides), local.names)) == 0
    error_message = "overrides name namespaces this module does not manage (absent, excluded or not selected): ${join(", ", sort(setsubtract(keys(var.overrides), local.names)))}."
  }
}
