package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
)

var _ function.Function = &ContainerRuntimeFunction{}

// ContainerRuntimeFunction parses a node's containerRuntimeVersion.
type ContainerRuntimeFunction struct{}

// NewContainerRuntimeFunction returns provider::kubeharden::container_runtime.
func NewContainerRuntimeFunction() function.Function { return &ContainerRuntimeFunction{} }

// containerRuntimeModel is the function's result.
type containerRuntimeModel struct {
	Name    types.String `tfsdk:"name"`
	Version types.String `tfsdk:"version"`
	Major   types.Int64  `tfsdk:"major"`
}

func (f *ContainerRuntimeFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "container_runtime"
}

func (f *ContainerRuntimeFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Parse a node's container runtime version",
		MarkdownDescription: "Splits a node's `status.nodeInfo.containerRuntimeVersion` (as `kubectl get nodes -o wide` and " +
			"`kubeharden_cluster`'s nodes report it), such as `containerd://2.0.5`, into `name` (`containerd`), " +
			"`version` (`2.0.5`) and `major` (`2`; null when the version does not start with a number), with the " +
			"parser `kubeharden_cluster` uses.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "runtime_version",
				MarkdownDescription: "`<name>://<version>`, e.g. `containerd://2.0.5` or `cri-o://1.30.1`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: attrTypesOf[containerRuntimeModel]()},
	}
}

func (f *ContainerRuntimeFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var s string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &s))
	if resp.Error != nil {
		return
	}
	name, version := containerruntime.Parse(s)
	if name == containerruntime.Unknown || version == "" {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("%q is not a container runtime version: "+
			"it must be <name>://<version>, as a node's status.nodeInfo.containerRuntimeVersion reports it, e.g. \"containerd://2.0.5\"", s))
		return
	}
	m := containerRuntimeModel{Name: types.StringValue(name), Version: types.StringValue(version), Major: types.Int64Null()}
	if major, ok := containerruntime.Major(version); ok {
		m.Major = types.Int64Value(int64(major))
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, m))
}
