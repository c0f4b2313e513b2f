package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

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
