# RuntimeDefault for every pod that sets no profile, in every namespace except
# kube-system and the payments team's (which get their own default below).
resource "kubeharden_seccomp_default" "runtime_default" {
  name    = "runtime-default" # the policy and binding are kubeharden-seccomp-runtime-default
  profile = { type = "RuntimeDefault" }
  namespace_selector = {
    match_expressions = [
      { key = "team", operator = "NotIn", values = ["payments"] },
    ]
  }
}

# A Localhost profile for the payments team's namespaces, except a legacy one.
# The profile file must exist on every node, under the kubelet's seccomp
# directory (<kubelet-root-dir>/seccomp/profiles/payments.json).
resource "kubeharden_seccomp_default" "payments" {
  name = "payments"
  profile = {
    type              = "Localhost"
    localhost_profile = "profiles/payments.json"
  }
  namespace_selector = {
    match_labels = { "team" = "payments" }
  }
  exclude_namespaces = ["kube-system", "payments-legacy"]
  failure_policy     = "Fail" # reject pods when the policy cannot be evaluated

  timeouts {
    create = "5m"
  }
}

# Together with PSA "restricted": the default is added at admission, before
# PodSecurity checks the pod, so a pod that meets every other requirement of
# "restricted" but sets no seccomp profile is admitted.
resource "kubeharden_namespace_pod_security" "team_a" {
  namespace = "team-a"
  enforce   = { level = "restricted" }

  depends_on = [kubeharden_seccomp_default.runtime_default]
}

# Adopt a default created earlier under the name "audit".
import {
  to = kubeharden_seccomp_default.audit
  id = "audit"
}

resource "kubeharden_seccomp_default" "audit" {
  name    = "audit"
  profile = { type = "RuntimeDefault" }
  namespace_selector = {
    match_labels = { "seccomp" = "audit" }
  }
}
