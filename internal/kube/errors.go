package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Op names one API call, for error messages: "patch namespaces \"team-a\"".
type Op struct {
	Verb      string // get, list, patch, create, update, delete
	Group     string // "" for the core group
	Resource  string // plural, e.g. "namespaces"
	Namespace string // for namespaced resources
	Name      string
}

func (o Op) String() string {
	s := o.Verb + " " + o.Resource
	if o.Group != "" {
		s = o.Verb + " " + o.Resource + "." + o.Group
	}
	if o.Name != "" {
		s += fmt.Sprintf(" %q", o.Name)
	}
	if o.Namespace != "" {
		s += fmt.Sprintf(" in namespace %q", o.Namespace)
	}
	return s
}

// CallError is the failure of one API call, for errors that travel beyond
// the code that made the call (a LIST paged by ListAll, a rewrite of many
// objects).
type CallError struct {
	Op  Op
	Err error
}

func (e *CallError) Error() string { return e.Op.String() + ": " + e.Err.Error() }
func (e *CallError) Unwrap() error { return e.Err }

// Describe turns an error of the API call op into a diagnostic summary and a
// detail that says what happened and what the user can do about it. When err
// is (or wraps) a *CallError, the call it names is described instead of op.
func Describe(op Op, err error) (summary, detail string) {
	var ce *CallError
	if errors.As(err, &ce) {
		op, err = ce.Op, ce.Err
	}
	var cfgErr *ConfigError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.As(err, &cfgErr):
		return "Invalid Kubernetes Provider Configuration", fmt.Sprintf("provider \"kubeharden\", %s: %s", cfgErr.Attribute, cfgErr.Detail)
	case errors.Is(err, ErrUnknownConfig):
		return "Kubernetes Connection Not Yet Known", err.Error() + "; the call " + op.String() + " cannot be made during this plan."
	case apierrors.IsForbidden(err):
		// The call is named as made; the authorizer says which verb it
		// refused, and for a server-side apply that creates the object it
		// is "create", not "patch": the rule grants that one.
		call := op.String()
		if m := forbiddenVerbRE.FindStringSubmatch(apiMessage(err)); m != nil {
			op.Verb = m[1]
		}
		return "Kubernetes Permission Denied", fmt.Sprintf(
			"The API server refused to %s: %s\n\nThe identity the provider uses lacks the verb %q on %q%s. Grant it with an RBAC rule such as:\n\n%s",
			call, apiMessage(err), op.Verb, resourceRef(op), scopeText(op), RBACRule(op))
	case apierrors.IsUnauthorized(err):
		return "Kubernetes Credentials Rejected", fmt.Sprintf(
			"The API server rejected the provider's credentials (HTTP 401) during %s: %s\n\nThe token or client certificate is invalid, expired, or not trusted by this cluster. "+
				"Check kubernetes.token, kubernetes.client_certificate/client_key, the exec plugin, or the kubeconfig user.", op.String(), apiMessage(err))
	case errors.As(err, &unknownAuthority), errors.As(err, &hostErr), errors.As(err, &certInvalid), strings.Contains(err.Error(), "x509: "), strings.Contains(err.Error(), "tls: failed to verify"):
		return "Kubernetes TLS Verification Failed", fmt.Sprintf(
			"The API server's certificate could not be verified during %s: %v\n\nSet kubernetes.cluster_ca_certificate to the PEM of the CA that signed it "+
				"(or fix the kubeconfig's certificate-authority-data). Only for a test cluster, kubernetes.insecure = true skips verification.", op.String(), err)
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) || (errors.As(err, &netErr) && netErr.Timeout()):
		return "Kubernetes API Call Timed Out", fmt.Sprintf("The call %s did not finish in time: %v\n\nRaise the resource's timeouts, or check that the API server is reachable and healthy.", op.String(), err)
	case apierrors.IsNotFound(err):
		return "Kubernetes Object Not Found", fmt.Sprintf("%s: %s", op.String(), apiMessage(err))
	case apierrors.IsInvalid(err):
		return "Kubernetes API Rejected The Object", fmt.Sprintf("The API server refused %s as invalid: %s", op.String(), apiMessage(err))
	default:
		return "Kubernetes API Error", fmt.Sprintf("The call %s failed: %v", op.String(), err)
	}
}

var forbiddenVerbRE = regexp.MustCompile(`cannot ([a-z]+) resource`)

func apiMessage(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Message != "" {
		return se.Status().Message
	}
	return err.Error()
}

func resourceRef(op Op) string {
	if op.Group == "" {
		return op.Resource
	}
	return op.Resource + "." + op.Group
}

func scopeText(op Op) string {
	if op.Namespace != "" {
		return fmt.Sprintf(" in namespace %q", op.Namespace)
	}
	return " (cluster-scoped)"
}

// RBACRule renders the rule that grants op, as YAML for a Role (namespaced)
// or ClusterRole (cluster-scoped).
func RBACRule(op Op) string {
	kind := "ClusterRole"
	if op.Namespace != "" {
		kind = fmt.Sprintf("Role (namespace %q)", op.Namespace)
	}
	rule := rbacv1.PolicyRule{APIGroups: []string{op.Group}, Resources: []string{op.Resource}, Verbs: []string{op.Verb}}
	return "  # in a " + kind + "\n" + strings.TrimSuffix(RulesYAML([]rbacv1.PolicyRule{rule}, "  "), "\n")
}

// RulesYAML renders rules as the items of the `rules:` list of a Role or
// ClusterRole, one line per field, each line prefixed with indent and
// ended with a newline. It is the one rendering of RBAC rules: in errors, in
// hints and in the Permissions guide's test.
func RulesYAML(rules []rbacv1.PolicyRule, indent string) string {
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "%s- apiGroups: [%s]\n%s  resources: [%s]\n%s  verbs: [%s]\n",
			indent, quoteJoin(r.APIGroups), indent, quoteJoin(r.Resources), indent, quoteJoin(r.Verbs))
	}
	return b.String()
}

// quoteJoin renders a YAML flow sequence's items, each double-quoted.
func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
