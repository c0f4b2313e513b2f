package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
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
