// Command floorprovider is the plugin floor of `make bench`: a provider that
// does as little as Terraform's plugin protocol allows, written directly on
// terraform-plugin-go without the framework. Its one resource, floor_thing,
// has the shape of terraform_data (a required input and a computed id), and
// its Read hands the state back without decoding it.
//
// Measured beside terraform_data (Terraform's own floor: no plugin) and
// kubeharden_encryption_config (the framework's floor: no I/O), it shows how
// much of a plan of N resources is Terraform's per-resource cost of talking
// to any plugin, which no provider can remove. It is not shipped.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const typeName = "floor_thing"

var objectType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"input": tftypes.String, "id": tftypes.String}}

// floor implements the calls Terraform makes for a plan, apply and destroy
// of floor_thing; the embedded interface is nil, so any other call panics,
// which in a benchmark is the right failure.
type floor struct {
	tfprotov6.ProviderServer
}

func (floor) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return &tfprotov6.GetMetadataResponse{
		ServerCapabilities: &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: true},
		Resources:          []tfprotov6.ResourceMetadata{{TypeName: typeName}},
	}, nil
}

func (floor) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities: &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: true},
		Provider:           &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}},
		ResourceSchemas: map[string]*tfprotov6.Schema{typeName: {Block: &tfprotov6.SchemaBlock{Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "input", Type: tftypes.String, Required: true},
			{Name: "id", Type: tftypes.String, Computed: true},
		}}}},
		DataSourceSchemas: map[string]*tfprotov6.Schema{},
		Functions:         map[string]*tfprotov6.Function{},
	}, nil
}

func (floor) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{}, nil
}

func (floor) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (floor) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (floor) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (floor) ValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

func (floor) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	v, err := req.RawState.Unmarshal(objectType)
	if err != nil {
		return nil, err
	}
	dv, err := tfprotov6.NewDynamicValue(objectType, v)
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, err
}

func (floor) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange keeps the prior id when the input is unchanged and
// plans an unknown id otherwise (a destroy's null plan passes through).
func (floor) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	planned, err := withAttrs(req.ProposedNewState, func(attrs map[string]tftypes.Value) error {
		prior, err := attrsOf(req.PriorState)
		if prior == nil || !attrs["input"].Equal(prior["input"]) {
			attrs["id"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		}
		return err
	})
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: planned}, err
}

// ApplyResourceChange sets the id to the input (a destroy's null planned
// state passes through).
func (floor) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	state, err := withAttrs(req.PlannedState, func(attrs map[string]tftypes.Value) error {
		attrs["id"] = attrs["input"]
		return nil
	})
	return &tfprotov6.ApplyResourceChangeResponse{NewState: state}, err
}

// attrsOf decodes a floor_thing; nil when it is null.
func attrsOf(dv *tfprotov6.DynamicValue) (map[string]tftypes.Value, error) {
	if dv == nil {
		return nil, nil
	}
	v, err := dv.Unmarshal(objectType)
	if err != nil || v.IsNull() {
		return nil, err
	}
	attrs := map[string]tftypes.Value{}
	return attrs, v.As(&attrs)
}

// withAttrs returns dv changed by change, or dv itself when it is null.
func withAttrs(dv *tfprotov6.DynamicValue, change func(map[string]tftypes.Value) error) (*tfprotov6.DynamicValue, error) {
	attrs, err := attrsOf(dv)
	if err != nil || attrs == nil {
		return dv, err
	}
	if err := change(attrs); err != nil {
		return nil, err
	}
	out, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, attrs))
	return &out, err
}

func main() {
	if err := tf6server.Serve("registry.terraform.io/kubeharden/floor", func() tfprotov6.ProviderServer { return floor{} }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
