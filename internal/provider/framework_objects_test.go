package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type objectsTestItem struct {
	Name types.String `tfsdk:"name"`
}

type objectsTestModel struct {
	Text    types.String `tfsdk:"text"`
	Flag    types.Bool   `tfsdk:"flag"`
	Count   types.Int64  `tfsdk:"count"`
	Tags    types.List   `tfsdk:"tags" elem:"string"`
	Items   types.List   `tfsdk:"items"`
	Ignored string       `tfsdk:"-"`
	private int
}

func (objectsTestModel) nestedModels() []nestedModel {
	return []nestedModel{nestedModelOf[objectsTestItem]("items")}
}

func TestObjectTypeOfDerivesTheAttributeTypes(t *testing.T) {
	want := types.ObjectType{AttrTypes: map[string]attr.Type{
		"text":  types.StringType,
		"flag":  types.BoolType,
		"count": types.Int64Type,
		"tags":  types.ListType{ElemType: types.StringType},
		"items": types.ListType{ElemType: types.ObjectType{AttrTypes: map[string]attr.Type{"name": types.StringType}}},
	}}
	if got := objectTypeOf[objectsTestModel](); !got.Equal(want) {
		t.Fatalf("derived %s, want %s", got, want)
	}
	// Derived once: every call returns the same map.
	a, b := attrTypesOf[objectsTestModel](), attrTypesOf[objectsTestModel]()
	a["probe"] = types.StringType
	defer delete(a, "probe")
	if _, ok := b["probe"]; !ok {
		t.Error("attrTypesOf derived the types again instead of returning the cached map")
	}
}

func TestObjectValueRoundTrip(t *testing.T) {
	ctx := context.Background()
	items, diags := listOf(ctx, []objectsTestItem{{Name: types.StringValue("a")}, {Name: types.StringNull()}})
	if diags.HasError() {
		t.Fatal(diags)
	}
	in := objectsTestModel{
		Text:  types.StringValue("x"),
		Flag:  types.BoolValue(true),
		Count: types.Int64Value(3),
		Tags:  types.ListValueMust(types.StringType, []attr.Value{types.StringValue("t")}),
		Items: items,
		// Unexported and `tfsdk:"-"` fields are not attributes.
		Ignored: "i",
		private: 1,
	}
	o, diags := objectValueOf(ctx, in)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !o.Type(ctx).Equal(objectTypeOf[objectsTestModel]()) {
		t.Fatalf("object type %s", o.Type(ctx))
	}
	out, diags := objectAs[objectsTestModel](ctx, o)
	if diags.HasError() || out == nil {
		t.Fatalf("objectAs: %v %v", out, diags)
	}
	if !out.Text.Equal(in.Text) || !out.Flag.Equal(in.Flag) || !out.Count.Equal(in.Count) || !out.Tags.Equal(in.Tags) || !out.Items.Equal(in.Items) {
		t.Errorf("round trip: got %+v, want %+v", *out, in)
	}
	var back []objectsTestItem
	if diags := out.Items.ElementsAs(ctx, &back, false); diags.HasError() || len(back) != 2 || back[0].Name.ValueString() != "a" || !back[1].Name.IsNull() {
		t.Errorf("items: %v %v", back, diags)
	}
}

func TestObjectHelpersNullUnknownEmpty(t *testing.T) {
	ctx := context.Background()
	for _, o := range []types.Object{objectNullOf[objectsTestItem](), types.ObjectUnknown(attrTypesOf[objectsTestItem]())} {
		if v, diags := objectAs[objectsTestItem](ctx, o); v != nil || diags.HasError() {
			t.Errorf("objectAs(%s) = %v, %v; want nil", o, v, diags)
		}
	}
	l, diags := listOf[objectsTestItem](ctx, nil)
	if diags.HasError() || l.IsNull() || l.IsUnknown() || len(l.Elements()) != 0 {
		t.Errorf("listOf(nil) = %s, %v; want an empty list", l, diags)
	}
}

type objectsBadModel struct {
	Tags types.List `tfsdk:"tags"`
}

func TestObjectTypeOfPanicsOnAnUncoveredField(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "Tags") {
			t.Errorf("want a panic naming the field, got %v", p)
		}
	}()
	objectTypeOf[objectsBadModel]()
}

// TestNestedModelsMatchTheSchema keeps each nested model and its
// hand-written schema attribute in step.
func TestNestedModelsMatchTheSchema(t *testing.T) {
	ctx := context.Background()
	resourceAttr := func(r resource.Resource, name string) attr.Type {
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		return resp.Schema.Attributes[name].GetType()
	}
	dataSourceAttr := func(d datasource.DataSource, name string) attr.Type {
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		return resp.Schema.Attributes[name].GetType()
	}
	elem := func(t attr.Type) attr.Type { return t.(types.ListType).ElemType }
	selector := resourceAttr(NewSeccompDefaultResource(), "namespace_selector")
	for _, c := range []struct {
		name          string
		model, schema attr.Type
	}{
		{"namespace_pod_security enforce", objectTypeOf[psaModeModel](), resourceAttr(NewNamespacePodSecurityResource(), "enforce")},
		{"namespace_pod_security audit", objectTypeOf[psaModeModel](), resourceAttr(NewNamespacePodSecurityResource(), "audit")},
		{"namespace_pod_security warn", objectTypeOf[psaModeModel](), resourceAttr(NewNamespacePodSecurityResource(), "warn")},
		{"seccomp_default profile", objectTypeOf[seccompProfileModel](), resourceAttr(NewSeccompDefaultResource(), "profile")},
		{"seccomp_default namespace_selector", objectTypeOf[seccompSelectorModel](), selector},
		{"seccomp_default match_expressions", objectTypeOf[seccompRequirementModel](), elem(selector.(types.ObjectType).AttrTypes["match_expressions"])},
		{"cluster nodes", objectTypeOf[clusterNodeModel](), elem(dataSourceAttr(NewClusterDataSource(), "nodes"))},
		{"eks_cluster secrets_encryption", objectTypeOf[eksClusterEncryptionModel](), dataSourceAttr(NewEKSClusterDataSource(), "secrets_encryption")},
		{"eks_cluster node_groups", objectTypeOf[eksNodeGroupModel](), elem(dataSourceAttr(NewEKSClusterDataSource(), "node_groups"))},
		{"gke_cluster secrets_encryption", objectTypeOf[gkeClusterEncryptionModel](), dataSourceAttr(NewGKEClusterDataSource(), "secrets_encryption")},
		{"gke_cluster node_pools", objectTypeOf[gkeNodePoolModel](), elem(dataSourceAttr(NewGKEClusterDataSource(), "node_pools"))},
		{"aks_cluster secrets_encryption", objectTypeOf[aksClusterEncryptionModel](), dataSourceAttr(NewAKSClusterDataSource(), "secrets_encryption")},
		{"aks_cluster node_pools", objectTypeOf[aksNodePoolModel](), elem(dataSourceAttr(NewAKSClusterDataSource(), "node_pools"))},
		{"cluster readiness", objectTypeOf[readinessModel](), dataSourceAttr(NewClusterDataSource(), "readiness")},
		{"eks_cluster readiness", objectTypeOf[readinessModel](), dataSourceAttr(NewEKSClusterDataSource(), "readiness")},
		{"gke_cluster readiness", objectTypeOf[readinessModel](), dataSourceAttr(NewGKEClusterDataSource(), "readiness")},
		{"aks_cluster readiness", objectTypeOf[readinessModel](), dataSourceAttr(NewAKSClusterDataSource(), "readiness")},
		{"pod_security_violations violations", objectTypeOf[podSecurityViolationModel](), elem(dataSourceAttr(NewPodSecurityViolationsDataSource(), "violations"))},
		{"namespaces namespaces", objectTypeOf[namespaceModel](), dataSourceAttr(NewNamespacesDataSource(), "namespaces").(types.MapType).ElemType},
		{"namespaces violations", objectTypeOf[namespaceViolationsModel](), dataSourceAttr(NewNamespacesDataSource(), "namespaces").(types.MapType).ElemType.(types.ObjectType).AttrTypes["violations"]},
	} {
		if !c.model.Equal(c.schema) {
			t.Errorf("%s: the model's type %s differs from the schema's %s", c.name, c.model, c.schema)
		}
	}
}
