package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// documentedDefault matches a timeout description that states its default.
var documentedDefault = regexp.MustCompile("Default `\\d+[hms]`")

// TestTimeouts_everyResource checks that every resource, and every data
// source that calls the Kubernetes API, has a `timeouts` block whose every
// operation documents its default, so no call can hang past a limit the
// user can see and change.
func TestTimeouts_everyResource(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "kubeharden"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		b, ok := sr.Schema.Blocks["timeouts"].(schema.SingleNestedBlock)
		if !ok {
			t.Errorf("%s has no timeouts block", md.TypeName)
			continue
		}
		if len(b.Attributes) == 0 {
			t.Errorf("%s: the timeouts block offers no operation", md.TypeName)
		}
		for op, a := range b.Attributes {
			if !documentedDefault.MatchString(a.GetMarkdownDescription()) && !documentedDefault.MatchString(a.GetDescription()) {
				t.Errorf("%s: timeouts.%s does not document its default: %q", md.TypeName, op, a.GetMarkdownDescription())
			}
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "kubeharden"}, &md)
		if _, kube := kubernetesPermissions[md.TypeName]; !kube {
			continue // the cloud data sources are bounded by their SDKs' retry limits
		}
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		b, ok := sr.Schema.Blocks["timeouts"].(dsschema.SingleNestedBlock)
		if !ok {
			t.Errorf("%s has no timeouts block", md.TypeName)
			continue
		}
		if a := b.Attributes["read"]; a == nil || !documentedDefault.MatchString(a.GetMarkdownDescription()+a.GetDescription()) {
			t.Errorf("%s: timeouts.read does not document its default", md.TypeName)
		}
	}
}
