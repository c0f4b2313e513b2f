# Every namespace but Kubernetes' own, with its live Pod Security levels and
# how many of its pods break each level: one LIST of namespaces and one LIST
# of the pods of all namespaces.
data "kubeharden_namespaces" "all" {
  exclude  = ["kube-system", "kube-public", "kube-node-lease"]
  evaluate = true
}

# An audit for CI: every namespace enforces at least baseline.
check "every_namespace_enforces_baseline" {
  assert {
    condition = alltrue([
      for ns in data.kubeharden_namespaces.all.namespaces :
      try(contains(["baseline", "restricted"], ns.enforce.level), false)
    ])
    error_message = "Namespaces without an enforced baseline: ${join(", ", sort([
      for name, ns in data.kubeharden_namespaces.all.namespaces : name
      if !try(contains(["baseline", "restricted"], ns.enforce.level), false)
    ]))}."
  }
}

# Where restricted could be enforced today without breaking a pod.
output "ready_for_restricted" {
  value = sort([
    for name, ns in data.kubeharden_namespaces.all.namespaces : name
    if ns.violations.restricted == 0
  ])
}

# The map is keyed by name, so for_each takes it as it is.
output "enforce_levels" {
  value = { for name, ns in data.kubeharden_namespaces.all.namespaces : name => try(ns.enforce.level, "none") }
}
