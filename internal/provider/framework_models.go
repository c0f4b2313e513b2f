package provider

import (
	"context"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Top-level models without the framework's struct reflection.
//
// tfsdk.State.Get and Set (and Plan's, Config's) convert between the
// Terraform value and a model struct by reflection, and on every call that
// reflection compiles a regular expression per field to check its tag
// (internal/reflect.isValidFieldName; upstream
// hashicorp/terraform-plugin-framework#725). At 1000 resources that was
// 7% of the provider's CPU in a plan (issue 19). Every field of our models
// is an attr.Value already, so the conversion is a field-by-field copy:
// getState/getPlan/getConfig and setState/setPlan do that copy, and fall back
// to the framework's own Get or Set whenever the model and the schema do not
// line up field for field (an embedded struct, a missing or extra field, a
// value of another type, a custom type that validates its values), so that
// any error is still the framework's.

// getFunc is the signature of tfsdk.State.Get and its kin.
type getFunc = func(context.Context, any) diag.Diagnostics

// getState returns a Get for s that fills a model without reflection.
func getState(s tfsdk.State) getFunc { return modelGetter(s.Raw, s.Schema, s.Get) }

// getPlan returns a Get for p that fills a model without reflection.
func getPlan(p tfsdk.Plan) getFunc { return modelGetter(p.Raw, p.Schema, p.Get) }

// getConfig returns a Get for c that fills a model without reflection.
func getConfig(c tfsdk.Config) getFunc { return modelGetter(c.Raw, c.Schema, c.Get) }

// setState writes model v (a pointer to a model struct) to s.
func setState(ctx context.Context, s *tfsdk.State, v any) diag.Diagnostics {
	if raw, ok := modelTerraformValue(ctx, s.Schema, v); ok {
		return s.Set(ctx, raw)
	}
	return s.Set(ctx, v)
}

// setPlan writes model v (a pointer to a model struct) to p.
func setPlan(ctx context.Context, p *tfsdk.Plan, v any) diag.Diagnostics {
	if raw, ok := modelTerraformValue(ctx, p.Schema, v); ok {
		return p.Set(ctx, raw)
	}
	return p.Set(ctx, v)
}

// typed is what the framework's schemas have in common here.
type typed interface{ Type() attr.Type }

func modelGetter(raw tftypes.Value, schema typed, slow getFunc) getFunc {
	return func(ctx context.Context, target any) diag.Diagnostics {
		if schema == nil || raw.IsNull() || !raw.IsKnown() {
			return slow(ctx, target)
		}
		rv := reflect.ValueOf(target)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return slow(ctx, target)
		}
		fields := modelFieldsOf(rv.Type().Elem())
		if fields == nil {
			return slow(ctx, target)
		}
		typ := schema.Type()
		if validatesValues(typ) {
			return slow(ctx, target)
		}
		v, err := typ.ValueFromTerraform(ctx, raw)
		if err != nil {
			return slow(ctx, target)
		}
		o, ok := v.(basetypes.ObjectValue)
		if !ok {
			return slow(ctx, target)
		}
		attrs := o.Attributes()
		if len(attrs) != len(fields) {
			return slow(ctx, target)
		}
		m := reflect.New(rv.Type().Elem()).Elem()
		for _, f := range fields {
			a, ok := attrs[f.name]
			if !ok {
				return slow(ctx, target)
			}
			av := reflect.ValueOf(a)
			if !av.Type().AssignableTo(m.Field(f.index).Type()) {
				return slow(ctx, target)
			}
			m.Field(f.index).Set(av)
		}
		rv.Elem().Set(m)
		return nil
	}
}

// modelTerraformValue returns model v as a Terraform value of the schema's
// type; ok is false when it cannot, and the framework should try.
func modelTerraformValue(ctx context.Context, schema typed, v any) (tftypes.Value, bool) {
	rv := reflect.ValueOf(v)
	if schema == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return tftypes.Value{}, false
	}
	fields := modelFieldsOf(rv.Type().Elem())
	if fields == nil {
		return tftypes.Value{}, false
	}
	schemaType := schema.Type()
	if validatesValues(schemaType) {
		return tftypes.Value{}, false
	}
	typ, ok := schemaType.TerraformType(ctx).(tftypes.Object)
	if !ok || len(typ.AttributeTypes) != len(fields) || len(typ.OptionalAttributes) != 0 {
		return tftypes.Value{}, false
	}
	m := rv.Elem()
	vals := make(map[string]tftypes.Value, len(fields))
	for _, f := range fields {
		a, ok := m.Field(f.index).Interface().(attr.Value)
		if !ok {
			return tftypes.Value{}, false
		}
		tv, err := a.ToTerraformValue(ctx)
		if err != nil {
			return tftypes.Value{}, false
		}
		want, ok := typ.AttributeTypes[f.name]
		if !ok || !tv.Type().Equal(want) {
			return tftypes.Value{}, false
		}
		vals[f.name] = tv
	}
	if tftypes.ValidateValue(typ, vals) != nil {
		return tftypes.Value{}, false
	}
	return tftypes.NewValue(typ, vals), true
}

// validatesValues reports whether an attribute type of object type t
// validates its values, which the framework's Get and Set do: such a model
// is left to the framework.
func validatesValues(t attr.Type) bool {
	ot, ok := t.(attr.TypeWithAttributeTypes)
	if !ok {
		return true
	}
	for _, at := range ot.AttributeTypes() {
		//nolint:staticcheck // deprecated, but the framework still runs it.
		if _, ok := at.(xattr.TypeWithValidate); ok {
			return true
		}
	}
	return false
}

// modelFieldCache holds, per struct type, its fields as modelFieldsOf
// returns them.
var modelFieldCache sync.Map // reflect.Type -> []modelField

// modelFieldsOf returns the `tfsdk`-tagged fields of struct type t, or nil
// when the copy cannot stand in for the framework's reflection: t is not a
// struct, embeds another, has an exported field without a tag, two fields
// with one tag, or a tagged field that is not an attr.Value or validates
// itself (the framework runs that validation).
func modelFieldsOf(t reflect.Type) []modelField {
	if fs, ok := modelFieldCache.Load(t); ok {
		return fs.([]modelField)
	}
	var fs []modelField
	if t.Kind() == reflect.Struct {
		fs = []modelField{}
		attrValue := reflect.TypeFor[attr.Value]()
		validating := reflect.TypeFor[xattr.ValidateableAttribute]()
		seen := map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, tagged := f.Tag.Lookup("tfsdk")
			if name == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			if f.Anonymous || !tagged || seen[name] || !f.Type.Implements(attrValue) || f.Type.Implements(validating) {
				fs = nil
				break
			}
			seen[name] = true
			fs = append(fs, modelField{index: i, name: name})
		}
	}
	v, _ := modelFieldCache.LoadOrStore(t, fs)
	return v.([]modelField)
}
