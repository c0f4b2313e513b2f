package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// errorWith is the one matcher of diagnostics in this package's tests. It
// matches each of texts, in order, however the CLI wraps lines (a space may
// be any run of whitespace), with anything between them: the CLI prints the
// configuration excerpt (which names the attribute, as `key_arn =`) between
// a diagnostic's summary and its detail. A text that starts with a letter,
// digit or underscore starts a word, so "name =" does not match
// "cluster_name =". Give a summary as "Error: <summary>" to require the
// severity too.
func errorWith(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, s := range texts {
		parts[i] = acctest.ErrorText(s).String()
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s)); r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			parts[i] = `\b` + parts[i]
		}
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}

// expectOneDiag checks diagnostics a test got by calling a method directly:
// exactly one, of severity sev and summary summary, whose detail errorWith
// matches with detail.
func expectOneDiag(t *testing.T, diags diag.Diagnostics, sev diag.Severity, summary string, detail ...string) {
	t.Helper()
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
	}
	d := diags[0]
	if d.Severity() != sev || d.Summary() != summary || !errorWith(detail...).MatchString(d.Detail()) {
		t.Fatalf("got %v %q: %q; want %v %q containing %q", d.Severity(), d.Summary(), d.Detail(), sev, summary, detail)
	}
}

// waitAllowed polls a SubjectAccessReview until the authorizer allows spec:
// the RBAC authorizer sees new roles and bindings through an informer, a
// moment after they are created.
func waitAllowed(cp *acctest.ControlPlane, spec authorizationv1.SubjectAccessReviewSpec) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		got, err := cp.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx,
			&authorizationv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
		if err == nil && got.Status.Allowed {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("denied: %s", got.Status.Reason)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s was not allowed %+v within 30s (last error: %w)", spec.User, *spec.ResourceAttributes, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// typeDescriptions returns the MarkdownDescription of every resource and
// data source of the provider, by type name.
func typeDescriptions(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	out := map[string]string{}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		out[md.TypeName] = sr.Schema.MarkdownDescription
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		out[md.TypeName] = sr.Schema.MarkdownDescription
	}
	if len(out) == 0 {
		t.Fatal("the provider has no resources or data sources")
	}
	return out
}
