package provider

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

// kubernetesPermission is what one resource or data source needs from the
// Kubernetes API. This table is the single source of the Permissions guide
// (templates/guides/permissions.md.tmpl; a test checks the guide holds each
// rule) and of the tests that run each resource with exactly these rules.
type kubernetesPermission struct {
	// ClusterRole holds the rules of a ClusterRole that is enough on its
	// own. Empty when the Kubernetes API is not used.
	ClusterRole []rbacv1.PolicyRule
	// Role holds the rules of a Role in the one namespace the resource works
	// on, when that is enough instead; nil when cluster-wide rules are needed.
	Role []rbacv1.PolicyRule
	// Optional holds ClusterRole rules that add facts: without them the
	// type still works, reports those facts as null and logs the rule to
	// add. The guide shows them in a ClusterRole of their own.
	Optional []rbacv1.PolicyRule
}

var (
	namespacesGet = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get"}}
	podsList      = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}
)

// kubernetesPermissions maps each type name to its permissions.
var kubernetesPermissions = map[string]kubernetesPermission{
	// Plan: one LIST of namespaces (the snapshot), a server-side dry run
	// (a PATCH); apply: a server-side apply (PATCH) of an existing
	// namespace, which is authorized as patch only (create is checked only
	// when the apply would create the object), and a merge PATCH removing
	// labels; refresh and import: the LIST; destroy: a PATCH. In a Role, the
	// LIST is forbidden and each read falls back to a GET.
	"kubeharden_namespace_pod_security": {
		ClusterRole: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "patch"}}},
		Role:        []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "patch"}}},
	},
	// Refresh, plan and apply: GETs and server-side applies (create for the
	// first apply); destroy: DELETEs.
	"kubeharden_seccomp_default": {ClusterRole: seccomp.RBACRules},
	// A local file only.
	"kubeharden_encryption_config": {},
	// A paginated LIST and a preconditioned UPDATE of each object, for each
	// resource in `resources` (secrets by default).
	"kubeharden_storage_rewrite": {
		ClusterRole: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list", "update"}}},
	},
	// GET /version is granted to every authenticated user by system:discovery.
	// Optional: each kubelet's /metrics through the node proxy, for
	// cgroup_version (null without it).
	"kubeharden_cluster": {
		ClusterRole: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list"}}},
		Optional:    []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes/proxy"}, Verbs: []string{"get"}}},
	},
	"kubeharden_pod_security_violations": {
		ClusterRole: []rbacv1.PolicyRule{namespacesGet, podsList},
		Role:        []rbacv1.PolicyRule{namespacesGet, podsList},
	},
	// One paginated LIST of namespaces; with evaluate, one of the pods of
	// all namespaces.
	"kubeharden_namespaces": {
		ClusterRole: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list"}}, podsList},
	},
}

// cloudPermissions maps the EKS, GKE and AKS types to the IAM permissions
// (Azure RBAC actions for AKS) of the identity the provider runs as: the
// single source of the types' descriptions (through iamPermissions) and, checked by tests, of the
// Permissions and Drift detection guides. Permissions of other identities
// (the KMS key's users) are in the guide's text.
var cloudPermissions = map[string][]string{
	"kubeharden_eks_cluster":            {"eks:DescribeCluster", "eks:ListNodegroups", "eks:DescribeNodegroup"},
	"kubeharden_eks_secrets_encryption": {"eks:DescribeCluster", "eks:AssociateEncryptionConfig", "eks:DescribeUpdate", "eks:ListUpdates", "kms:DescribeKey", "kms:CreateGrant"},
	"kubeharden_aks_cluster":            {"Microsoft.ContainerService/managedClusters/read"},
	"kubeharden_aks_secrets_encryption": {"Microsoft.ContainerService/managedClusters/read", "Microsoft.ContainerService/managedClusters/write"},
	"kubeharden_gke_cluster":            {"container.clusters.get"},
	"kubeharden_gke_secrets_encryption": {"container.clusters.get", "container.clusters.update", "container.operations.get"},
}

// iamPermissions renders, for a description, the permissions of typeName in
// cloudPermissions whose names start with prefix ("eks:", "kms:",
// "container."), in the table's order: `a`, `b`, `c`.
func iamPermissions(typeName, prefix string) string {
	var ps []string
	for _, p := range cloudPermissions[typeName] {
		if strings.HasPrefix(p, prefix) {
			ps = append(ps, p)
		}
	}
	return codeList(ps, "")
}

// permissionsHint is appended to a permission error of typeName: the whole
// set of rules the type needs, so that one fix is enough.
func permissionsHint(typeName string) string {
	p, ok := kubernetesPermissions[typeName]
	if !ok || len(p.ClusterRole) == 0 {
		return ""
	}
	return fmt.Sprintf("\n\nEverything %s needs, as the rules of a ClusterRole (see the Permissions guide):\n\n%s",
		typeName, strings.TrimSuffix(kube.RulesYAML(p.ClusterRole, ""), "\n"))
}
