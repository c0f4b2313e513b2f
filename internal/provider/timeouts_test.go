package provider

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// documentedDefault finds the default a timeout description states.
var documentedDefault = regexp.MustCompile("Default `([^`]+)`")

// declaresTimeouts is implemented by every resource and data source through
// its base: the one declaration of its limits.
type declaresTimeouts interface{ timeoutDefaults() timeoutDefaults }

// checkDocumented compares the default that desc documents for op with the
// declared one, to the nanosecond.
func checkDocumented(t *testing.T, typeName, op, desc string, want time.Duration) {
	t.Helper()
	m := documentedDefault.FindStringSubmatch(desc)
	if m == nil {
		t.Errorf("%s: timeouts.%s does not document its default: %q", typeName, op, desc)
		return
	}
	got, err := time.ParseDuration(m[1])
	if err != nil {
		t.Errorf("%s: timeouts.%s documents %q, which is not a Go duration: %v", typeName, op, m[1], err)
		return
	}
	if got != want {
		t.Errorf("%s: timeouts.%s documents a default of %s, but the code uses %s", typeName, op, got, want)
	}
}

// TestTimeouts_everyType checks that every resource and data source has a
// `timeouts` block offering exactly the operations it declares, and that
// each documented default is the declared constant, so no call can hang past
// a limit the user cannot see and change.
func TestTimeouts_everyType(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "kubeharden"}, &md)
		decl, ok := r.(declaresTimeouts)
		if !ok {
			t.Errorf("%s does not declare its timeouts (embed resourceBase)", md.TypeName)
			continue
		}
		td := decl.timeoutDefaults()
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		b, ok := sr.Schema.Blocks["timeouts"].(schema.SingleNestedBlock)
		if !ok {
			t.Errorf("%s has no timeouts block", md.TypeName)
			continue
		}
		if len(b.Attributes) != len(td.offered()) || len(b.Attributes) == 0 {
			t.Errorf("%s: the timeouts block offers %d operations, the declaration %v", md.TypeName, len(b.Attributes), td.offered())
		}
		for op, a := range b.Attributes {
			checkDocumented(t, md.TypeName, op, a.GetMarkdownDescription()+a.GetDescription(), td.of(op))
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "kubeharden"}, &md)
		decl, ok := d.(declaresTimeouts)
		if !ok {
			t.Errorf("%s does not declare its timeouts (embed dataSourceBase)", md.TypeName)
			continue
		}
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		b, ok := sr.Schema.Blocks["timeouts"].(dsschema.SingleNestedBlock)
		if !ok {
			t.Errorf("%s has no timeouts block", md.TypeName)
			continue
		}
		a := b.Attributes["read"]
		if a == nil || len(b.Attributes) != 1 {
			t.Errorf("%s: the timeouts block must offer read only", md.TypeName)
			continue
		}
		checkDocumented(t, md.TypeName, "read", a.GetMarkdownDescription()+a.GetDescription(), decl.timeoutDefaults().Read)
	}
}

// TestDurationText checks that documented durations read back as the
// same value: 90s is 1m30s, never 1m.
func TestDurationText(t *testing.T) {
	for _, d := range []time.Duration{90 * time.Second, time.Minute, 2 * time.Minute, 20 * time.Minute, time.Hour, 90 * time.Minute, 3 * time.Second, 1500 * time.Millisecond} {
		s := durationText(d)
		got, err := time.ParseDuration(s)
		if err != nil || got != d {
			t.Errorf("durationText(%s) = %q, which reads back as %s (%v)", d, s, got, err)
		}
	}
	for d, want := range map[time.Duration]string{2 * time.Minute: "2m", time.Hour: "1h", 90 * time.Second: "1m30s", 90 * time.Minute: "1h30m"} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}
