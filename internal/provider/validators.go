package provider

import (
	"context"
	"fmt"
	"strings"

	k8svalidation "k8s.io/apimachinery/pkg/util/validation"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// funcStringValidator adapts a check function (usually the Kubernetes
// libraries' own parser) to a framework string validator, so the rules are
// the API server's and the error carries the attribute path.
type funcStringValidator struct {
	desc    string
	summary string
	check   func(string) error
}

var _ validator.String = funcStringValidator{}

func (v funcStringValidator) Description(context.Context) string         { return v.desc }
func (v funcStringValidator) MarkdownDescription(context.Context) string { return v.desc }

func (v funcStringValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, req.Path.String()+": "+err.Error()+".")
	}
}

// dns1123LabelValidator checks a Kubernetes object name that must be a
// DNS-1123 label (namespaces, most names), with the API server's rules.
func dns1123LabelValidator() validator.String {
	return funcStringValidator{
		desc:    "must be a DNS-1123 label",
		summary: "Invalid Name",
		check: func(s string) error {
			if errs := k8svalidation.IsDNS1123Label(s); len(errs) > 0 {
				return fmt.Errorf("%q is not a valid name: %s", s, strings.Join(errs, "; "))
			}
			return nil
		},
	}
}

// quotedList renders allowed values for a description: `a`, `b`, `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}
