package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

var _ function.Function = &PodSecurityLabelsFunction{}

// PodSecurityLabelsFunction renders the six Pod Security Admission labels
// of a namespace that another provider creates, validated as
// kubeharden_namespace_pod_security validates them.
type PodSecurityLabelsFunction struct{}

// NewPodSecurityLabelsFunction returns provider::kubeharden::pod_security_labels.
func NewPodSecurityLabelsFunction() function.Function { return &PodSecurityLabelsFunction{} }

func (f *PodSecurityLabelsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "pod_security_labels"
}

// podSecurityLabelKeys are the keys the function's argument may hold: a
// level per mode, and optionally its version.
func podSecurityLabelKeys() []string {
	keys := make([]string, 0, 2*len(podsecurity.Modes))
	for _, m := range podsecurity.Modes {
		keys = append(keys, m, m+"_version")
	}
	return keys
}

func (f *PodSecurityLabelsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The Pod Security Admission labels of a namespace",
		MarkdownDescription: "Returns the `pod-security.kubernetes.io/*` labels for the given modes, validated as " +
			"`kubeharden_namespace_pod_security` validates them, for namespaces that another resource creates " +
			"(for example `kubernetes_namespace`'s `metadata.labels`). A mode that is not given has no labels; " +
			"a mode without a version gets `latest`, as the resource writes it.",
		Parameters: []function.Parameter{
			function.MapParameter{
				Name:        "modes",
				ElementType: types.StringType,
				MarkdownDescription: "The level of each mode to set (" + codeList(podsecurity.Modes, "") + "), one of " +
					codeList(podsecurity.Levels, "or") + ", and optionally its version (`enforce_version` ...): `latest` or `v1.N`. " +
					"For example `{ enforce = \"baseline\", warn = \"restricted\", warn_version = \"v1.36\" }`.",
			},
		},
		Return: function.MapReturn{ElementType: types.StringType},
	}
}

func (f *PodSecurityLabelsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var modes map[string]*string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &modes))
	if resp.Error != nil {
		return
	}
	labels, err := podSecurityLabels(modes)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, labels))
}

// podSecurityLabels validates modes and renders their labels.
func podSecurityLabels(modes map[string]*string) (map[string]string, error) {
	keys := podSecurityLabelKeys()
	for k, v := range modes {
		if !slices.Contains(keys, k) {
			return nil, fmt.Errorf("unknown key %q: the keys are %s", k, strings.Join(keys, ", "))
		}
		if v == nil {
			return nil, fmt.Errorf("%s is null: leave the key out to set no label", k)
		}
	}
	out := map[string]string{}
	for _, mode := range podsecurity.Modes {
		level, version := modes[mode], modes[mode+"_version"]
		if level == nil {
			if version != nil {
				return nil, fmt.Errorf("%s_version is set without %s: give the level too", mode, mode)
			}
			continue
		}
		if err := podsecurity.ValidateLevel(*level); err != nil {
			return nil, fmt.Errorf("%s: %w", mode, err)
		}
		v := "latest"
		if version != nil {
			if err := podsecurity.ValidateVersion(*version); err != nil {
				return nil, fmt.Errorf("%s_version: %w", mode, err)
			}
			v = *version
		}
		out[podsecurity.LevelLabel(mode)] = *level
		out[podsecurity.VersionLabel(mode)] = v
	}
	return out, nil
}
