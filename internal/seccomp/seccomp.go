// Package seccomp owns the MutatingAdmissionPolicy that makes a seccomp
// profile the default for pods: rendering the policy and its binding as
// server-side apply configurations, reading the live objects back into the
// resource's terms, and choosing the API version a cluster serves.
package seccomp

import (
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	admv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

// Names shared by the objects this package writes.
const (
	// FieldManager is the server-side apply field manager of both objects.
	// It is used by this resource only, so that no other kubeharden resource
	// can take its fields.
	FieldManager = "kubeharden-seccomp-default"
	// NamePrefix is prepended to the resource's name to name both objects.
	NamePrefix = "kubeharden-seccomp-"
	// NamespaceNameLabel is the immutable label the API server puts on every
	// namespace; excluded namespaces are matched by it.
	NamespaceNameLabel = corev1.LabelMetadataName
	// ManagedByLabel marks both objects so that an administrator listing
	// admission policies can tell where they come from.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of ManagedByLabel.
	ManagedByValue = "terraform-provider-kubeharden"
)

// Profile types a pod can be given.
const (
	TypeRuntimeDefault = string(corev1.SeccompProfileTypeRuntimeDefault)
	TypeLocalhost      = string(corev1.SeccompProfileTypeLocalhost)
)

// ProfileTypes are the profile types the resource accepts. Unconfined is
// left out on purpose: defaulting pods to no confinement is never the goal.
var ProfileTypes = []string{TypeRuntimeDefault, TypeLocalhost}

// FailurePolicies are the policy's accepted failure policies.
var FailurePolicies = []string{string(admv1.Ignore), string(admv1.Fail)}

// Operators are the label selector operators of a namespace selector.
var Operators = []string{
	string(metav1.LabelSelectorOpIn), string(metav1.LabelSelectorOpNotIn),
	string(metav1.LabelSelectorOpExists), string(metav1.LabelSelectorOpDoesNotExist),
}

// Profile is the seccomp profile the policy sets.
type Profile struct {
	Type string
	// LocalhostProfile is the profile's path relative to the kubelet's
	// seccomp directory; only with TypeLocalhost.
	LocalhostProfile string
}

// Spec is what the resource configures.
type Spec struct {
	// Name is the resource's name; the objects are named ObjectName(Name).
	Name          string
	Profile       Profile
	FailurePolicy string
	// Selector is the user's namespace selector, without the exclusion.
	Selector          metav1.LabelSelector
	ExcludeNamespaces []string
}

// ObjectName is the name of the policy and of the binding of the resource
// called name.
func ObjectName(name string) string { return NamePrefix + name }

// resourceRules is what the policy intercepts: the creation of pods. Updates
// are left out because a pod's securityContext is immutable after creation.
var resourceRules = []admv1.NamedRuleWithOperations{{
	RuleWithOperations: admv1.RuleWithOperations{
		Operations: []admv1.OperationType{admv1.Create},
		Rule: admv1.Rule{
			APIGroups:   []string{""},
			APIVersions: []string{"v1"},
			Resources:   []string{"pods"},
			Scope:       ptr(admv1.NamespacedScope),
		},
	},
}}

// matchConditions skip the pods the policy must leave alone: a pod that
// chose a profile (even Unconfined) keeps its choice, and Windows pods may
// not carry a seccomp profile at all (the API rejects them).
var matchConditions = []admv1.MatchCondition{
	{Name: "no-pod-seccomp-profile", Expression: "!has(object.spec.securityContext) || !has(object.spec.securityContext.seccompProfile)"},
	{Name: "not-windows", Expression: "!has(object.spec.os) || object.spec.os.name != 'windows'"},
}

// The mutation is an ApplyConfiguration: a CEL object literal typed with the
// Object.<path> types the MutatingAdmissionPolicy compiler provides. It only
// adds spec.securityContext.seccompProfile; container-level profiles are not
// touched and keep precedence over the pod-level default.
const (
	exprHead = "Object{\n" +
		"  spec: Object.spec{\n" +
		"    securityContext: Object.spec.securityContext{\n" +
		"      seccompProfile: Object.spec.securityContext.seccompProfile{\n" +
		"        type: "
	exprLocalhost = ",\n        localhostProfile: "
	exprTail      = "\n" +
		"      }\n" +
		"    }\n" +
		"  }\n" +
		"}"
)

// Expression renders the CEL expression that sets p as the pod's profile.
// Strings are quoted with Go's rules, whose escapes (\", \\, \n, \xHH, \uHHHH,
// \UHHHHHHHH) all mean the same in CEL string literals.
func Expression(p Profile) string {
	var b strings.Builder
	b.WriteString(exprHead)
	b.WriteString(strconv.Quote(p.Type))
	if p.LocalhostProfile != "" {
		b.WriteString(exprLocalhost)
		b.WriteString(strconv.Quote(p.LocalhostProfile))
	}
	b.WriteString(exprTail)
	return b.String()
}

// ParseExpression reads back an expression written by Expression. It reports
// false for any other text, such as an expression edited by hand.
func ParseExpression(expr string) (Profile, bool) {
	body, ok := strings.CutPrefix(expr, exprHead)
	if !ok {
		return Profile{}, false
	}
	if body, ok = strings.CutSuffix(body, exprTail); !ok {
		return Profile{}, false
	}
	var p Profile
	if p.Type, body, ok = cutQuoted(body); !ok {
		return Profile{}, false
	}
	if body != "" {
		if body, ok = strings.CutPrefix(body, exprLocalhost); !ok {
			return Profile{}, false
		}
		if p.LocalhostProfile, body, ok = cutQuoted(body); !ok || body != "" || p.LocalhostProfile == "" {
			return Profile{}, false
		}
	}
	return p, true
}

// cutQuoted reads the double-quoted Go string at the start of s.
func cutQuoted(s string) (value, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil || !strings.HasPrefix(q, `"`) {
		return "", s, false
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", s, false
	}
	return v, s[len(q):], true
}

// Policy renders the MutatingAdmissionPolicy of s.
func Policy(s Spec) *admv1ac.MutatingAdmissionPolicyApplyConfiguration {
	rules := make([]*admv1ac.NamedRuleWithOperationsApplyConfiguration, 0, len(resourceRules))
	for _, r := range resourceRules {
		rules = append(rules, admv1ac.NamedRuleWithOperations().
			WithOperations(r.Operations...).
			WithAPIGroups(r.APIGroups...).
			WithAPIVersions(r.APIVersions...).
			WithResources(r.Resources...).
			WithScope(*r.Scope))
	}
	conds := make([]*admv1ac.MatchConditionApplyConfiguration, 0, len(matchConditions))
	for _, c := range matchConditions {
		conds = append(conds, admv1ac.MatchCondition().WithName(c.Name).WithExpression(c.Expression))
	}
	return admv1ac.MutatingAdmissionPolicy(ObjectName(s.Name)).
		WithLabels(map[string]string{ManagedByLabel: ManagedByValue}).
		WithSpec(admv1ac.MutatingAdmissionPolicySpec().
			WithMatchConstraints(admv1ac.MatchResources().WithResourceRules(rules...)).
			WithMatchConditions(conds...).
			WithMutations(admv1ac.Mutation().
				WithPatchType(admv1.PatchTypeApplyConfiguration).
				WithApplyConfiguration(admv1ac.ApplyConfiguration().WithExpression(Expression(s.Profile)))).
			WithReinvocationPolicy(admv1.IfNeededReinvocationPolicy).
			WithFailurePolicy(admv1.FailurePolicyType(s.FailurePolicy)))
}

// Binding renders the MutatingAdmissionPolicyBinding of s.
func Binding(s Spec) *admv1ac.MutatingAdmissionPolicyBindingApplyConfiguration {
	return admv1ac.MutatingAdmissionPolicyBinding(ObjectName(s.Name)).
		WithLabels(map[string]string{ManagedByLabel: ManagedByValue}).
		WithSpec(admv1ac.MutatingAdmissionPolicyBindingSpec().
			WithPolicyName(ObjectName(s.Name)).
			WithMatchResources(admv1ac.MatchResources().
				WithNamespaceSelector(selectorApplyConfiguration(NamespaceSelector(s.Selector, s.ExcludeNamespaces)))))
}

// NamespaceSelector is the binding's namespace selector: the user's selector
// and, when namespaces are excluded, a last requirement that their
// kubernetes.io/metadata.name label is not one of them.
func NamespaceSelector(user metav1.LabelSelector, exclude []string) *metav1.LabelSelector {
	sel := user.DeepCopy()
	if len(exclude) > 0 {
		values := slices.Clone(exclude)
		slices.Sort(values)
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: NamespaceNameLabel, Operator: metav1.LabelSelectorOpNotIn, Values: slices.Compact(values),
		})
	}
	return sel
}

// SplitNamespaceSelector undoes NamespaceSelector: a last requirement that
// kubernetes.io/metadata.name is NotIn a list is taken as the exclusion.
func SplitNamespaceSelector(sel *metav1.LabelSelector) (user metav1.LabelSelector, exclude []string) {
	if sel == nil {
		return metav1.LabelSelector{}, nil
	}
	user = *sel.DeepCopy()
	if n := len(user.MatchExpressions); n > 0 {
		last := user.MatchExpressions[n-1]
		if last.Key == NamespaceNameLabel && last.Operator == metav1.LabelSelectorOpNotIn {
			user.MatchExpressions = user.MatchExpressions[:n-1]
			exclude = last.Values
		}
	}
	if len(user.MatchExpressions) == 0 {
		user.MatchExpressions = nil
	}
	if len(user.MatchLabels) == 0 {
		user.MatchLabels = nil
	}
	return user, exclude
}

// SameSelector reports whether two selectors select alike, treating nil and
// empty lists and maps as equal (the API server drops empty ones).
func SameSelector(a, b *metav1.LabelSelector) bool {
	if a == nil {
		a = &metav1.LabelSelector{}
	}
	if b == nil {
		b = &metav1.LabelSelector{}
	}
	return equality.Semantic.DeepEqual(a, b)
}

func selectorApplyConfiguration(sel *metav1.LabelSelector) *metav1ac.LabelSelectorApplyConfiguration {
	ac := metav1ac.LabelSelector()
	if len(sel.MatchLabels) > 0 {
		ac.WithMatchLabels(sel.MatchLabels)
	}
	for _, r := range sel.MatchExpressions {
		ac.WithMatchExpressions(metav1ac.LabelSelectorRequirement().WithKey(r.Key).WithOperator(r.Operator).WithValues(r.Values...))
	}
	return ac
}

// LivePolicy is what a live policy means in the resource's terms.
type LivePolicy struct {
	FailurePolicy string
	// Profile is the profile the policy sets, or nil when its mutation, match
	// conditions, match rules or reinvocation policy are not the ones Policy
	// writes (edited by hand): the resource must then be applied again.
	Profile *Profile
}

// ReadPolicy reads a live policy. Match conditions other managers added are
// not reported: server-side apply cannot remove another manager's entries.
func ReadPolicy(p *admv1.MutatingAdmissionPolicy) LivePolicy {
	live := LivePolicy{FailurePolicy: string(admv1.Fail)} // the API's default
	if p.Spec.FailurePolicy != nil {
		live.FailurePolicy = string(*p.Spec.FailurePolicy)
	}
	if !ownedShapeMatches(p.Spec) {
		return live
	}
	if prof, ok := ParseExpression(p.Spec.Mutations[0].ApplyConfiguration.Expression); ok {
		live.Profile = &prof
	}
	return live
}

func ownedShapeMatches(s admv1.MutatingAdmissionPolicySpec) bool {
	if s.ReinvocationPolicy != admv1.IfNeededReinvocationPolicy {
		return false
	}
	if s.MatchConstraints == nil || !equality.Semantic.DeepEqual(s.MatchConstraints.ResourceRules, resourceRules) {
		return false
	}
	for _, want := range matchConditions {
		i := slices.IndexFunc(s.MatchConditions, func(c admv1.MatchCondition) bool { return c.Name == want.Name })
		if i < 0 || s.MatchConditions[i].Expression != want.Expression {
			return false
		}
	}
	return len(s.Mutations) == 1 && s.Mutations[0].PatchType == admv1.PatchTypeApplyConfiguration &&
		s.Mutations[0].ApplyConfiguration != nil
}

// ValidateLocalhostProfile checks a localhost profile path as the API server
// checks a pod's localhostProfile (validateLocalDescendingPath in
// k8s.io/kubernetes/pkg/apis/core/validation), so that the policy never
// makes the pods it mutates invalid. It returns the problems found.
func ValidateLocalhostProfile(p string) []string {
	var errs []string
	if p == "" {
		errs = append(errs, "must not be empty")
	}
	if path.IsAbs(p) {
		errs = append(errs, "must be a relative path (relative to the kubelet's seccomp profile directory, e.g. <kubelet-root-dir>/seccomp)")
	}
	if slices.Contains(strings.Split(filepath.ToSlash(p), "/"), "..") {
		errs = append(errs, "must not contain '..'")
	}
	return errs
}

func ptr[T any](v T) *T { return &v }
