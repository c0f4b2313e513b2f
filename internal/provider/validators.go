package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"k8s.io/apimachinery/pkg/labels"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkValidator adapts a check function (usually the Kubernetes libraries'
// own parser) to a framework string validator, so the rules are the API
// server's and the error carries the attribute path: "<path>: <error>.".
// It is the one adapter of every such check.
type checkValidator struct {
	desc    string
	summary string
	check   func(string) error
}

var _ validator.String = checkValidator{}

// stringCheck returns the validator of check: desc describes a valid value,
// summary is the title of the error.
func stringCheck(desc, summary string, check func(string) error) validator.String {
	return checkValidator{desc: desc, summary: summary, check: check}
}

func (v checkValidator) Description(context.Context) string         { return v.desc }
func (v checkValidator) MarkdownDescription(context.Context) string { return v.desc }

func (v checkValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, req.Path.String()+": "+err.Error()+".")
	}
}

// problemsCheck turns a k8s.io/apimachinery check, which returns the problems
// it finds, into a check: its error is the quoted value and the problems,
// e.g. `"Bad_Name" a lowercase RFC 1123 label must …`.
func problemsCheck(problems func(string) []string) func(string) error {
	return func(s string) error {
		if msgs := problems(s); len(msgs) > 0 {
			return fmt.Errorf("%q %s", s, strings.Join(msgs, "; "))
		}
		return nil
	}
}

// fieldErrorDetails is the detail of each error of errs, for problemsCheck.
func fieldErrorDetails(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Detail)
	}
	return out
}

// dns1123Label checks a Kubernetes object name that must be a DNS-1123
// label (namespaces, most names), with the API server's rules.
func dns1123Label(s string) error {
	if errs := k8svalidation.IsDNS1123Label(s); len(errs) > 0 {
		return fmt.Errorf("%q is not a valid name: %s", s, strings.Join(errs, "; "))
	}
	return nil
}

// dns1123LabelValidator validates an object name with dns1123Label.
func dns1123LabelValidator() validator.String {
	return stringCheck("must be a DNS-1123 label", "Invalid Name", dns1123Label)
}

// joinList renders values, each through quote, separated by commas; when
// conj is not empty ("or", "and") it joins the last two: a, b or c.
// It is the one list renderer of descriptions and messages (a YAML flow
// sequence is joinList(values, strconv.Quote, "")).
func joinList[T ~string](values []T, quote func(string) string, conj string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quote(string(v))
	}
	if conj == "" || len(q) < 2 {
		return strings.Join(q, ", ")
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + conj + " " + q[len(q)-1]
}

// codeList renders values as Markdown code: `a`, `b`, `c` (conj "") or
// `a`, `b` or `c` (conj "or").
func codeList[T ~string](values []T, conj string) string {
	return joinList(values, func(s string) string { return "`" + s + "`" }, conj)
}

// labelSelectorCheck parses a label selector as the API server does (the
// label_selector of kubeharden_namespaces and of the list resource).
func labelSelectorCheck(s string) error {
	if _, err := labels.Parse(s); err != nil {
		return fmt.Errorf("%q is not a label selector: %w. Write it as kubectl's -l takes it, e.g. \"team=a,env!=dev\" or \"tier in (web,api)\"", s, err)
	}
	return nil
}
