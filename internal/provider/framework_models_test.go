package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func namespacePodSecuritySchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp resource.SchemaResponse
	NewNamespacePodSecurityResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp.Schema
}

// The copy must give exactly what the framework's reflection gives, both
// ways, for a model with nested objects, nulls, unknowns and the timeouts
// custom type.
func TestModelCopyMatchesTheFrameworksReflection(t *testing.T) {
	ctx := context.Background()
	s := namespacePodSecuritySchema(t)
	mode := func(level string) types.Object {
		o, d := objectValueOf(ctx, psaModeModel{Level: types.StringValue(level), Version: types.StringValue("latest")})
		if d.HasError() {
			t.Fatal(d)
		}
		return o
	}
	in := namespacePodSecurityModel{
		ID:          types.StringValue("team-a"),
		Namespace:   types.StringValue("team-a"),
		Enforce:     mode("baseline"),
		Audit:       mode("restricted"),
		Warn:        objectNullOf[psaModeModel](),
		OnViolation: types.StringValue("warn"),
		Force:       types.BoolValue(true),
		OwnerID:     types.StringUnknown(),
		Timeouts:    NewNamespacePodSecurityResource().(*NamespacePodSecurityResource).timeouts.nullResourceValue(),
	}

	fast := tfsdk.State{Schema: s}
	if d := setState(ctx, &fast, &in); d.HasError() {
		t.Fatal(d)
	}
	if _, ok := modelTerraformValue(ctx, s, &in); !ok {
		t.Fatal("setState fell back to the framework for a model that matches its schema")
	}
	slow := tfsdk.State{Schema: s}
	if d := slow.Set(ctx, &in); d.HasError() {
		t.Fatal(d)
	}
	if !fast.Raw.Equal(slow.Raw) {
		t.Fatalf("setState wrote\n%s\nthe framework writes\n%s", fast.Raw, slow.Raw)
	}

	var got, want namespacePodSecurityModel
	if d := getState(slow)(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	if d := slow.Get(ctx, &want); d.HasError() {
		t.Fatal(d)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("getState read %+v, the framework reads %+v", got, want)
	}
	plan := tfsdk.Plan{Schema: s, Raw: slow.Raw}
	var fromPlan namespacePodSecurityModel
	if d := getPlan(plan)(ctx, &fromPlan); d.HasError() || !reflect.DeepEqual(fromPlan, want) {
		t.Fatalf("getPlan read %+v (%v), want %+v", fromPlan, d, want)
	}
	var fromConfig namespacePodSecurityModel
	if d := getConfig(tfsdk.Config{Schema: s, Raw: slow.Raw})(ctx, &fromConfig); d.HasError() || !reflect.DeepEqual(fromConfig, want) {
		t.Fatalf("getConfig read %+v (%v), want %+v", fromConfig, d, want)
	}
	if d := setPlan(ctx, &plan, &in); d.HasError() || !plan.Raw.Equal(slow.Raw) {
		t.Fatalf("setPlan wrote %s (%v), want %s", plan.Raw, d, slow.Raw)
	}
}

type modelsTestCore struct {
	Text types.String `tfsdk:"text"`
}

type modelsTestEmbedding struct {
	modelsTestCore
	Flag types.Bool `tfsdk:"flag"`
}

type modelsTestMissing struct {
	Text types.String `tfsdk:"text"`
}

type modelsTestWrongType struct {
	Text types.Bool `tfsdk:"text"`
	Flag types.Bool `tfsdk:"flag"`
}

// Whatever the copy cannot do is left to the framework: an embedded
// struct works as the framework makes it work, and a model that does not
// fit the schema gets the framework's own error.
func TestModelCopyFallsBackToTheFramework(t *testing.T) {
	ctx := context.Background()
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"text": schema.StringAttribute{Optional: true},
		"flag": schema.BoolAttribute{Optional: true},
	}}
	in := modelsTestEmbedding{modelsTestCore: modelsTestCore{Text: types.StringValue("x")}, Flag: types.BoolValue(true)}
	if modelFieldsOf(reflect.TypeFor[modelsTestEmbedding]()) != nil {
		t.Fatal("a model with an embedded struct must go to the framework")
	}
	st := tfsdk.State{Schema: s}
	if d := setState(ctx, &st, &in); d.HasError() {
		t.Fatal(d)
	}
	var out modelsTestEmbedding
	if d := getState(st)(ctx, &out); d.HasError() || out != in {
		t.Fatalf("read %+v (%v), want %+v", out, d, in)
	}

	for name, target := range map[string]any{"missing field": &modelsTestMissing{}, "wrong type": &modelsTestWrongType{}} {
		fast := getState(st)(ctx, target)
		slow := st.Get(ctx, target)
		if !fast.HasError() || !fast.Equal(slow) {
			t.Errorf("%s: getState said %v, the framework says %v", name, fast, slow)
		}
		if _, ok := modelTerraformValue(ctx, s, target); ok {
			t.Errorf("%s: setState would write a model that does not fit the schema", name)
		}
	}

	// A null whole value (a destroy's plan) goes to the framework too.
	null := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	var m modelsTestEmbedding
	if fast, slow := getState(null)(ctx, &m), null.Get(ctx, &m); !fast.Equal(slow) {
		t.Errorf("null state: getState said %v, the framework says %v", fast, slow)
	}
}

// checkedString is a custom string that validates itself, as the framework
// lets custom types do in Get and Set.
type checkedString struct{ basetypes.StringValue }

func (v checkedString) Type(context.Context) attr.Type { return checkedStringType{} }

func (v checkedString) Equal(o attr.Value) bool {
	other, ok := o.(checkedString)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v checkedString) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.ValueString() == "bad" {
		resp.Diagnostics.AddAttributeError(req.Path, "Checked String", "bad value")
	}
}

type checkedStringType struct{ basetypes.StringType }

func (checkedStringType) Equal(o attr.Type) bool { _, ok := o.(checkedStringType); return ok }

func (checkedStringType) String() string { return "checkedStringType" }

func (checkedStringType) ValueType(context.Context) attr.Value { return checkedString{} }

func (t checkedStringType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	return checkedString{StringValue: v.(basetypes.StringValue)}, nil
}

type modelsTestChecked struct {
	Text checkedString `tfsdk:"text"`
}

// A custom type's own validation still runs: such a model goes to the
// framework both ways.
func TestModelCopyLeavesValidatingTypesToTheFramework(t *testing.T) {
	ctx := context.Background()
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"text": schema.StringAttribute{Optional: true, CustomType: checkedStringType{}},
	}}
	bad := modelsTestChecked{Text: checkedString{types.StringValue("bad")}}
	st := tfsdk.State{Schema: s}
	if d := setState(ctx, &st, &bad); !d.HasError() {
		t.Fatal("setState wrote a value its type refuses")
	}
	st.Raw = tftypes.NewValue(s.Type().TerraformType(ctx), map[string]tftypes.Value{"text": tftypes.NewValue(tftypes.String, "bad")})
	var m modelsTestChecked
	if d := getState(st)(ctx, &m); !d.HasError() {
		t.Fatal("getState read a value its type refuses")
	}
}
