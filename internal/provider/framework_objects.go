package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// Typed nested objects: a nested attribute's model is a plain struct with
// `tfsdk` tags, and the attribute types the framework needs to build an
// object of it are derived from that struct, once per type, rather than
// kept by hand beside it.
//
// A field's type gives its attribute type:
//
//	types.String, types.Bool, types.Int64, types.Float64  their own types
//	types.List, types.Set, types.Map                      element type from the `elem` tag
//	                                                      ("string", "bool", "int64", "float64"),
//	                                                      or from nestedModels (below)
//	types.Object                                          from nestedModels
//
// A model with fields of nested objects (a types.Object, or a collection of
// them) implements nestedModels, naming each such field's model with
// nestedModelOf, so that the Go compiler checks the type:
//
//	func (seccompSelectorModel) nestedModels() []nestedModel {
//		return []nestedModel{nestedModelOf[seccompRequirementModel]("match_expressions")}
//	}
//
// Unexported fields and `tfsdk:"-"` are skipped, as the framework skips
// them. A model the rules do not cover is a bug in the provider, so the
// derivation panics, naming the model and field; every model's derived type
// is compared with its schema attribute in framework_objects_test.go, which
// also keeps the hand-written schema and the model in step.

// nestedModel names the model of a field holding nested objects.
type nestedModel struct {
	field string
	typ   func() types.ObjectType
}

// nestedModelOf says that the field tagged `tfsdk:"<field>"` holds objects
// of model T (a types.Object, or the elements of a list, set or map).
func nestedModelOf[T any](field string) nestedModel {
	return nestedModel{field: field, typ: objectTypeOf[T]}
}

// withNestedModels is implemented by a model with fields of nested objects.
type withNestedModels interface {
	nestedModels() []nestedModel
}

// attrTypeCache holds the derived attribute types per model type.
var attrTypeCache sync.Map // reflect.Type -> map[string]attr.Type

// attrTypesOf returns the attribute types of model T, derived on first use.
// The map is shared: callers must not modify it.
func attrTypesOf[T any]() map[string]attr.Type {
	rt := reflect.TypeFor[T]()
	if m, ok := attrTypeCache.Load(rt); ok {
		return m.(map[string]attr.Type)
	}
	m, _ := attrTypeCache.LoadOrStore(rt, deriveAttrTypes[T]())
	return m.(map[string]attr.Type)
}

// objectTypeOf returns the object type of model T.
func objectTypeOf[T any]() types.ObjectType {
	return types.ObjectType{AttrTypes: attrTypesOf[T]()}
}

// objectNullOf returns a null object of model T.
func objectNullOf[T any]() types.Object {
	return types.ObjectNull(attrTypesOf[T]())
}

// objectValueOf returns v as an object. Its attribute values must have the
// derived types (a null list, too, needs its element type).
//
// Every field of a model is an attr.Value (deriveAttrTypes panics
// otherwise), so the object is built from the fields directly, without the
// framework's struct reflection (ObjectValueFrom), which compiles a regular
// expression per field on every call: that was most of the cost of a
// resource's Read at N=1000 (issue 19).
func objectValueOf[T any](_ context.Context, v T) (types.Object, diag.Diagnostics) {
	fields := fieldsOf[T]()
	rv := reflect.ValueOf(v)
	attrs := make(map[string]attr.Value, len(fields))
	for _, f := range fields {
		attrs[f.name] = rv.Field(f.index).Interface().(attr.Value)
	}
	return types.ObjectValue(attrTypesOf[T](), attrs)
}

// objectAs returns the model of o; nil when o is null or unknown.
func objectAs[T any](ctx context.Context, o types.Object) (*T, diag.Diagnostics) {
	if o.IsNull() || o.IsUnknown() {
		return nil, nil
	}
	var v T
	rv := reflect.ValueOf(&v).Elem()
	attrs := o.Attributes()
	for _, f := range fieldsOf[T]() {
		a, ok := attrs[f.name]
		av := reflect.ValueOf(a)
		if !ok || !av.Type().AssignableTo(rv.Field(f.index).Type()) {
			// Not the model's object: let the framework say what differs.
			var d diag.Diagnostics
			d.Append(o.As(ctx, &v, basetypes.ObjectAsOptions{})...)
			if !d.HasError() {
				d.AddError("Object Conversion Error", fmt.Sprintf("attribute %q of the object does not fit model %T", f.name, v))
			}
			return nil, d
		}
		rv.Field(f.index).Set(av)
	}
	return &v, nil
}

// modelField is an attribute field of a model: its index and tfsdk name.
type modelField struct {
	index int
	name  string
}

// fieldCache holds the attribute fields per model type.
var fieldCache sync.Map // reflect.Type -> []modelField

// fieldsOf returns the attribute fields of model T (those deriveAttrTypes
// reads), listed on first use.
func fieldsOf[T any]() []modelField {
	rt := reflect.TypeFor[T]()
	if fs, ok := fieldCache.Load(rt); ok {
		return fs.([]modelField)
	}
	attrTypesOf[T]() // panics on a model the rules do not cover
	var fs []modelField
	for i := range rt.NumField() {
		f := rt.Field(i)
		if name := f.Tag.Get("tfsdk"); f.IsExported() && name != "-" {
			fs = append(fs, modelField{index: i, name: name})
		}
	}
	v, _ := fieldCache.LoadOrStore(rt, fs)
	return v.([]modelField)
}

// listOf returns vs as a list of objects of model T: empty, not null, when
// vs is.
func listOf[T any](ctx context.Context, vs []T) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(vs))
	for _, v := range vs {
		o, d := objectValueOf(ctx, v)
		diags.Append(d...)
		elems = append(elems, o)
	}
	if diags.HasError() {
		return types.ListUnknown(objectTypeOf[T]()), diags
	}
	l, d := types.ListValue(objectTypeOf[T](), elems)
	diags.Append(d...)
	return l, diags
}

// primitiveTypes are the element types an `elem` tag can name.
var primitiveTypes = map[string]attr.Type{
	"string":  types.StringType,
	"bool":    types.BoolType,
	"int64":   types.Int64Type,
	"float64": types.Float64Type,
}

var (
	stringValueType  = reflect.TypeFor[types.String]()
	boolValueType    = reflect.TypeFor[types.Bool]()
	int64ValueType   = reflect.TypeFor[types.Int64]()
	float64ValueType = reflect.TypeFor[types.Float64]()
	listValueType    = reflect.TypeFor[types.List]()
	setValueType     = reflect.TypeFor[types.Set]()
	mapValueType     = reflect.TypeFor[types.Map]()
	objectValueType  = reflect.TypeFor[types.Object]()
)

// deriveAttrTypes reads the attribute types of model T from its fields (see
// the rules at the top of this file); it panics on a field they do not cover.
func deriveAttrTypes[T any]() map[string]attr.Type {
	rt := reflect.TypeFor[T]()
	if rt.Kind() != reflect.Struct {
		panic(fmt.Sprintf("nested model %s is not a struct", rt))
	}
	nested := map[string]func() types.ObjectType{}
	var zero T
	if n, ok := any(zero).(withNestedModels); ok {
		for _, m := range n.nestedModels() {
			nested[m.field] = m.typ
		}
	}
	out := make(map[string]attr.Type, rt.NumField())
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, ok := f.Tag.Lookup("tfsdk")
		if !f.IsExported() || name == "-" {
			continue
		}
		if !ok || name == "" {
			panic(fmt.Sprintf("nested model %s: field %s has no tfsdk tag", rt, f.Name))
		}
		out[name] = fieldAttrType(rt, f, name, nested)
		delete(nested, name)
	}
	for name := range nested {
		panic(fmt.Sprintf("nested model %s: nestedModels names %q, which no field is tagged", rt, name))
	}
	return out
}

// fieldAttrType is the attribute type of field f (tagged name) of model rt.
func fieldAttrType(rt reflect.Type, f reflect.StructField, name string, nested map[string]func() types.ObjectType) attr.Type {
	switch f.Type {
	case stringValueType:
		return types.StringType
	case boolValueType:
		return types.BoolType
	case int64ValueType:
		return types.Int64Type
	case float64ValueType:
		return types.Float64Type
	case objectValueType:
		if n, ok := nested[name]; ok {
			return n()
		}
		panic(fmt.Sprintf("nested model %s: object field %s is not named by nestedModels", rt, f.Name))
	case listValueType, setValueType, mapValueType:
		var elem attr.Type
		if tag, ok := f.Tag.Lookup("elem"); ok {
			if elem = primitiveTypes[tag]; elem == nil {
				panic(fmt.Sprintf("nested model %s: field %s: unknown elem %q", rt, f.Name, tag))
			}
		} else if n, ok := nested[name]; ok {
			elem = n()
		} else {
			panic(fmt.Sprintf("nested model %s: field %s needs an elem tag or a nestedModels entry", rt, f.Name))
		}
		switch f.Type {
		case listValueType:
			return types.ListType{ElemType: elem}
		case setValueType:
			return types.SetType{ElemType: elem}
		}
		return types.MapType{ElemType: elem}
	}
	panic(fmt.Sprintf("nested model %s: field %s has type %s, which has no derived attribute type", rt, f.Name, f.Type))
}
