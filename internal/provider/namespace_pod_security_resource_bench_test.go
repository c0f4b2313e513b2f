package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

// BenchmarkNamespacePodSecurityModelLabels is the model work of one Read
// and one plan of the resource: the three modes set from live labels, and
// the labels read back. Run with -benchmem: allocations are what the
// garbage collector of a 1000-resource plan pays for.
func BenchmarkNamespacePodSecurityModelLabels(b *testing.B) {
	ctx := context.Background()
	live := map[string]string{
		podsecurity.LevelLabel("enforce"): "baseline", podsecurity.VersionLabel("enforce"): "latest",
		podsecurity.LevelLabel("audit"): "restricted", podsecurity.VersionLabel("audit"): "latest",
		podsecurity.LevelLabel("warn"): "restricted", podsecurity.VersionLabel("warn"): "latest",
	}
	b.ReportAllocs()
	for b.Loop() {
		var diags diag.Diagnostics
		var m namespacePodSecurityModel
		m.setFromLabels(ctx, live, &diags)
		got, unknown := m.labels(ctx, &diags)
		if diags.HasError() || unknown || len(got) != 6 {
			b.Fatalf("labels = %v, unknown %v, %v", got, unknown, diags)
		}
	}
}
