package seccomp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	admv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExpression(t *testing.T) {
	got := Expression(Profile{Type: TypeRuntimeDefault})
	want := `Object{
  spec: Object.spec{
    securityContext: Object.spec.securityContext{
      seccompProfile: Object.spec.securityContext.seccompProfile{
        type: "RuntimeDefault"
      }
    }
  }
}`
	if got != want {
		t.Fatalf("Expression(RuntimeDefault) =\n%s\nwant\n%s", got, want)
	}
	got = Expression(Profile{Type: TypeLocalhost, LocalhostProfile: `profiles/a "b"\c.json`})
	if !strings.Contains(got, `type: "Localhost",`+"\n"+`        localhostProfile: "profiles/a \"b\"\\c.json"`) {
		t.Fatalf("Expression(Localhost) does not quote the path for CEL:\n%s", got)
	}
}

func TestParseExpression(t *testing.T) {
	for _, p := range []Profile{
		{Type: TypeRuntimeDefault},
		{Type: TypeLocalhost, LocalhostProfile: "profiles/audit.json"},
		{Type: TypeLocalhost, LocalhostProfile: "odd \"name\" with \\ and\nnewline and é and \x00"},
		{Type: "Unconfined"},
	} {
		got, ok := ParseExpression(Expression(p))
		if !ok || got != p {
			t.Errorf("ParseExpression(Expression(%+v)) = %+v, %v", p, got, ok)
		}
	}
	rt := Expression(Profile{Type: TypeRuntimeDefault})
	for name, expr := range map[string]string{
		"empty":             "",
		"other object":      `Object{spec: Object.spec{serviceAccountName: "x"}}`,
		"reformatted":       strings.ReplaceAll(rt, "\n", " "),
		"unquoted type":     strings.Replace(rt, `"RuntimeDefault"`, `RuntimeDefault`, 1),
		"single quotes":     strings.Replace(rt, `"RuntimeDefault"`, `'RuntimeDefault'`, 1),
		"raw string":        strings.Replace(rt, `"RuntimeDefault"`, "`RuntimeDefault`", 1),
		"trailing garbage":  strings.Replace(rt, `"RuntimeDefault"`, `"RuntimeDefault" + "x"`, 1),
		"empty localhost":   strings.Replace(Expression(Profile{Type: TypeLocalhost, LocalhostProfile: "a"}), `"a"`, `""`, 1),
		"localhost garbage": strings.Replace(Expression(Profile{Type: TypeLocalhost, LocalhostProfile: "a"}), `"a"`, `"a", x: 1`, 1),
	} {
		if p, ok := ParseExpression(expr); ok {
			t.Errorf("%s: ParseExpression accepted %q as %+v", name, expr, p)
		}
	}
}

// FuzzParseExpression checks that any text is either rejected or is exactly
// what Expression renders for the profile it parses to, so Read never
// mistakes a hand-edited mutation for the configured one.
func FuzzParseExpression(f *testing.F) {
	f.Add(Expression(Profile{Type: TypeRuntimeDefault}))
	f.Add(Expression(Profile{Type: TypeLocalhost, LocalhostProfile: "profiles/audit.json"}))
	f.Add(Expression(Profile{Type: TypeLocalhost, LocalhostProfile: `a"\` + "\t"}))
	f.Add(exprHead + `"x\u00e9"` + exprLocalhost + `"\x41"` + exprTail)
	f.Add(exprHead + `"x` + exprTail)
	f.Add("")
	f.Fuzz(func(t *testing.T, expr string) {
		p, ok := ParseExpression(expr)
		if !ok {
			return
		}
		if again, ok := ParseExpression(Expression(p)); !ok || again != p {
			t.Fatalf("%q parsed to %+v, whose rendering parses to %+v, %v", expr, p, again, ok)
		}
	})
}

// FuzzExpressionRoundTrip checks that every profile Terraform can hold (valid
// UTF-8 strings) survives rendering and parsing.
func FuzzExpressionRoundTrip(f *testing.F) {
	f.Add(TypeRuntimeDefault, "")
	f.Add(TypeLocalhost, "profiles/audit.json")
	f.Add(TypeLocalhost, "\"}\n}, evil: Object.spec{")
	f.Add(TypeLocalhost, "\u2028\U0001F600\x7f")
	f.Fuzz(func(t *testing.T, typ, lp string) {
		if !utf8.ValidString(typ) || !utf8.ValidString(lp) {
			t.Skip("Terraform strings are UTF-8")
		}
		p := Profile{Type: typ, LocalhostProfile: lp}
		got, ok := ParseExpression(Expression(p))
		if !ok || got != p {
			t.Fatalf("round trip of %+v gave %+v, %v", p, got, ok)
		}
	})
}

func TestNamespaceSelector(t *testing.T) {
	user := metav1.LabelSelector{
		MatchLabels:      map[string]string{"team": "a"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}},
	}
	sel := NamespaceSelector(user, []string{"kube-system", "b", "kube-system"})
	if len(user.MatchExpressions) != 1 {
		t.Fatal("NamespaceSelector changed its argument")
	}
	want := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"b", "kube-system"}}
	if n := len(sel.MatchExpressions); n != 2 || !equalReq(sel.MatchExpressions[1], want) {
		t.Fatalf("exclusion = %+v, want last %+v", sel.MatchExpressions, want)
	}
	gotUser, gotExclude := SplitNamespaceSelector(sel)
	if !SameSelector(&gotUser, &user) || !slices.Equal(gotExclude, []string{"b", "kube-system"}) {
		t.Fatalf("SplitNamespaceSelector = %+v, %v", gotUser, gotExclude)
	}
	if sel := NamespaceSelector(metav1.LabelSelector{}, nil); !SameSelector(sel, nil) {
		t.Fatalf("no selector and no exclusion should select everything, got %+v", sel)
	}
	if u, e := SplitNamespaceSelector(nil); !SameSelector(&u, nil) || e != nil {
		t.Fatalf("SplitNamespaceSelector(nil) = %+v, %v", u, e)
	}
	if SameSelector(&metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, nil) {
		t.Fatal("SameSelector: a selector with labels equals the empty one")
	}
}

func equalReq(a, b metav1.LabelSelectorRequirement) bool {
	return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
}

// FuzzNamespaceSelector checks that the binding's selector splits back into
// the user's selector and the exclusion, whatever the user's expressions.
func FuzzNamespaceSelector(f *testing.F) {
	f.Add("team", "In", "a", "kube-system")
	f.Add("kubernetes.io/metadata.name", "In", "x", "")
	f.Add("k", "Exists", "", "ns-1")
	f.Fuzz(func(t *testing.T, key, op, value, exclude string) {
		user := metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOperator(op), Values: []string{value}}}}
		var ex []string
		if exclude != "" {
			ex = []string{exclude}
		}
		if ex == nil && key == NamespaceNameLabel && op == "NotIn" {
			t.Skip("indistinguishable from an exclusion; Read keeps the state's spelling in that case")
		}
		gotUser, gotEx := SplitNamespaceSelector(NamespaceSelector(user, ex))
		if !SameSelector(&gotUser, &user) || !slices.Equal(gotEx, ex) {
			t.Fatalf("split of %+v / %v gave %+v / %v", user, ex, gotUser, gotEx)
		}
	})
}

// livePolicy is what the API server stores for Policy(s): the apply
// configuration plus the defaults it fills in.
func livePolicy(t *testing.T, s Spec) *admv1.MutatingAdmissionPolicy {
	t.Helper()
	p := &admv1.MutatingAdmissionPolicy{}
	if err := convert(Policy(s), p); err != nil {
		t.Fatal(err)
	}
	p.Spec.MatchConstraints.MatchPolicy = ptr(admv1.Equivalent)
	p.Spec.MatchConstraints.NamespaceSelector = &metav1.LabelSelector{}
	p.Spec.MatchConstraints.ObjectSelector = &metav1.LabelSelector{}
	return p
}

func TestReadPolicy(t *testing.T) {
	spec := Spec{Name: "x", Profile: Profile{Type: TypeLocalhost, LocalhostProfile: "p.json"}, FailurePolicy: "Ignore"}
	p := livePolicy(t, spec)
	if p.Name != "kubeharden-seccomp-x" || p.Labels[ManagedByLabel] != ManagedByValue {
		t.Fatalf("metadata = %+v", p.ObjectMeta)
	}
	got := ReadPolicy(p)
	if got.FailurePolicy != "Ignore" || got.Profile == nil || *got.Profile != spec.Profile {
		t.Fatalf("ReadPolicy of an untouched policy = %+v", got)
	}

	edits := map[string]func(*admv1.MutatingAdmissionPolicy){
		"mutation rewritten": func(p *admv1.MutatingAdmissionPolicy) {
			p.Spec.Mutations[0].ApplyConfiguration.Expression = `Object{spec: Object.spec{}}`
		},
		"second mutation": func(p *admv1.MutatingAdmissionPolicy) {
			p.Spec.Mutations = append(p.Spec.Mutations, p.Spec.Mutations[0])
		},
		"json patch":      func(p *admv1.MutatingAdmissionPolicy) { p.Spec.Mutations[0].PatchType = admv1.PatchTypeJSONPatch },
		"no reinvocation": func(p *admv1.MutatingAdmissionPolicy) { p.Spec.ReinvocationPolicy = admv1.NeverReinvocationPolicy },
		"condition dropped": func(p *admv1.MutatingAdmissionPolicy) {
			p.Spec.MatchConditions = p.Spec.MatchConditions[1:]
		},
		"condition edited": func(p *admv1.MutatingAdmissionPolicy) { p.Spec.MatchConditions[1].Expression = "true" },
		"rules widened": func(p *admv1.MutatingAdmissionPolicy) {
			p.Spec.MatchConstraints.ResourceRules[0].Operations = append(p.Spec.MatchConstraints.ResourceRules[0].Operations, admv1.Update)
		},
	}
	for name, edit := range edits {
		p := livePolicy(t, spec)
		edit(p)
		if got := ReadPolicy(p); got.Profile != nil {
			t.Errorf("%s: ReadPolicy still reports profile %+v", name, *got.Profile)
		}
	}

	p = livePolicy(t, spec)
	p.Spec.MatchConditions = append(p.Spec.MatchConditions, admv1.MatchCondition{Name: "other-managers", Expression: "true"})
	p.Spec.FailurePolicy = nil
	if got := ReadPolicy(p); got.Profile == nil || got.FailurePolicy != "Fail" {
		t.Errorf("a condition added by another manager, or a defaulted failure policy, misread: %+v", got)
	}
}

func TestBindingRender(t *testing.T) {
	b := &admv1.MutatingAdmissionPolicyBinding{}
	spec := Spec{Name: "x", Selector: metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}, ExcludeNamespaces: []string{"kube-system"}}
	if err := convert(Binding(spec), b); err != nil {
		t.Fatal(err)
	}
	if b.Name != "kubeharden-seccomp-x" || b.Spec.PolicyName != "kubeharden-seccomp-x" {
		t.Fatalf("names: %q, policy %q", b.Name, b.Spec.PolicyName)
	}
	if !SameSelector(b.Spec.MatchResources.NamespaceSelector, NamespaceSelector(spec.Selector, spec.ExcludeNamespaces)) {
		t.Fatalf("namespaceSelector = %+v", b.Spec.MatchResources.NamespaceSelector)
	}
	// An empty selector is still written, so that the resource owns the field.
	if err := convert(Binding(Spec{Name: "y"}), b); err != nil || b.Spec.MatchResources.NamespaceSelector == nil {
		t.Fatalf("empty selector not written: %+v, %v", b.Spec.MatchResources, err)
	}
}

func TestValidateLocalhostProfile(t *testing.T) {
	for p, want := range map[string]string{
		"profiles/audit.json": "",
		"a..b/c":              "",
		"":                    "must not be empty",
		"/etc/x.json":         "must be a relative path",
		"../x.json":           "must not contain '..'",
		"a/../../x.json":      "must not contain '..'",
	} {
		got := strings.Join(ValidateLocalhostProfile(p), "; ")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("ValidateLocalhostProfile(%q) = %q, want %q", p, got, want)
		}
	}
}

type stubDiscovery struct {
	served  map[string][]string
	err     error
	version string
}

func (s stubDiscovery) ResourcesFor(_ context.Context, gv string) (*metav1.APIResourceList, error) {
	if s.err != nil {
		return nil, s.err
	}
	names, ok := s.served[gv]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{}, gv)
	}
	list := &metav1.APIResourceList{GroupVersion: gv}
	for _, n := range names {
		list.APIResources = append(list.APIResources, metav1.APIResource{Name: n})
	}
	return list, nil
}

func (s stubDiscovery) ServerVersion(context.Context) (string, error) {
	if s.version == "" {
		return "", errors.New("connection refused")
	}
	return s.version, nil
}

func TestDiscover(t *testing.T) {
	both := []string{PolicyResource, BindingResource, "validatingadmissionpolicies"}
	cases := []struct {
		name    string
		d       stubDiscovery
		want    string
		wantErr string
	}{
		{"v1", stubDiscovery{served: map[string][]string{APIVersionV1: both, APIVersionV1beta1: both}}, APIVersionV1, ""},
		{"v1beta1 only", stubDiscovery{served: map[string][]string{APIVersionV1: {"validatingadmissionpolicies"}, APIVersionV1beta1: both}}, APIVersionV1beta1, ""},
		{"v1 without bindings", stubDiscovery{served: map[string][]string{APIVersionV1: {PolicyResource}, APIVersionV1beta1: both}}, APIVersionV1beta1, ""},
		{"neither", stubDiscovery{served: map[string][]string{APIVersionV1: {"validatingadmissionpolicies"}}, version: "v1.33.4-eks-1"},
			"", "the cluster (Kubernetes v1.33.4-eks-1) serves neither"},
		{"neither, version unknown", stubDiscovery{served: map[string][]string{}}, "", "Kubernetes of unknown version (connection refused)"},
		{"discovery fails", stubDiscovery{err: errors.New("boom")}, "", "reading the discovery document of admissionregistration.k8s.io/v1: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Discover(context.Background(), c.d)
			if got != c.want {
				t.Errorf("Discover = %q, want %q", got, c.want)
			}
			if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("Discover error = %v, want %q", err, c.wantErr)
			}
		})
	}
	_, err := Discover(context.Background(), stubDiscovery{version: "v1.35.0"})
	var ns *NotServedError
	if !errors.As(err, &ns) || !strings.Contains(err.Error(), "Kubernetes 1.36 or later") ||
		!strings.Contains(err.Error(), "--feature-gates=MutatingAdmissionPolicy=true") {
		t.Errorf("the not-served error should say what the cluster needs: %v", err)
	}
}
