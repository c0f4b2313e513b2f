output "namespaces" {
  description = "The namespaces labelled, keyed by name, with the modes written (null: no label)."
  value = { for ns, r in kubeharden_namespace_pod_security.this : ns => {
    enforce = r.enforce
    audit   = r.audit
    warn    = r.warn
  } }
}

output "below_target" {
  description = "The namespaces that enforce less than asked because existing pods break the target (only with enforce_only_where_clean), keyed by name: the target level, the level enforced instead (null: none), how many pods break the target and how many pods the namespace has. Fix or move those pods, and the next apply enforces the target."
  value = { for ns, t in local.target : ns => {
    target     = try(t.enforce.level, null)
    enforced   = local.enforced[ns]
    violations = try(local.found[ns].violations[t.enforce.level], null)
    pods       = try(local.found[ns].pods, null)
  } if try(local.enforced[ns] != t.enforce.level, false) }
}
