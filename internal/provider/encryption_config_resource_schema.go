package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

func (r *EncryptionConfigResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `EncryptionConfiguration` (`apiserver.config.k8s.io/v1`) of a self-managed control plane, for KMS v2 " +
			"encryption at rest: one resources entry, encrypted by the `kms` providers in order, optionally followed by `identity`. " +
			"It is validated at plan time with kube-apiserver's own rules. With `path`, the file is written atomically with mode `0600` " +
			"(parent directories are created `0700`), a file edited or removed on disk shows as drift, and destroying the resource " +
			"removes the file: a kube-apiserver still started with `--encryption-provider-config` pointing at it will then fail to start. " +
			"Without `path`, nothing is read or written; use `yaml` in cloud-init or configuration management. " +
			"Changing the first `kms` entry is a key rotation: follow it with `kubeharden_storage_rewrite`. Import ID: the `path`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The SHA-256 of the document Terraform last wrote (hex).",
			},
			"path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where to write the file, e.g. `/etc/kubernetes/enc/encryption-config.yaml`: the path given to kube-apiserver's " +
					"`--encryption-provider-config` on the machine that runs Terraform. A symbolic link is followed. A file already there is " +
					"never written over unless it holds exactly this configuration (import it instead). Changing it writes the new " +
					"file first, then removes the old one; removing it removes the file.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"resources": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")})),
				MarkdownDescription: "The resources to encrypt, as kube-apiserver names them: `secrets`, `configmaps`, `deployments.apps`, " +
					"`*.apps` (a whole group), `*.` (the core group) or `*.*` (everything). Lower case; no `*` alone, no overlap " +
					"(`secrets` with `*.`), no duplicates, no `extensions` group. Defaults to `[\"secrets\"]`.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"kms": schema.ListNestedAttribute{
				Required: true,
				MarkdownDescription: "KMS v2 plugins, in order. The first encrypts every write; the others only decrypt what was written " +
					"before a rotation. Names must be unique, without `:`, since each stored object records the name of its provider " +
					"(`k8s:enc:kms:v2:<name>:`); never reuse a name for another key.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Provider name, unique, without `:`, e.g. `kms-2026`.",
					},
					"endpoint": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The plugin's gRPC socket: `unix:///var/run/kms/plugin.sock` (only `unix://` is supported).",
					},
					"timeout": schema.StringAttribute{
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(encryptionconfig.DefaultTimeout),
						MarkdownDescription: "How long kube-apiserver waits for the plugin, a Go duration greater than 0 (`3s`, `500ms`). Defaults to `" + encryptionconfig.DefaultTimeout + "`.",
					},
				}},
			},
			"identity_fallback": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(defaultIdentityFallback),
				MarkdownDescription: "Put `identity: {}` last, so objects stored before encryption was enabled stay readable. Defaults to `true`, " +
					"which is required while enabling encryption on a cluster with existing data; set it to `false` once " +
					"`kubeharden_storage_rewrite` has rewritten everything.",
			},
			"yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The document. With `path`, what is on disk: a file edited by hand shows here until the next apply restores it.",
			},
			"sha256": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Hex SHA-256 of `yaml`. kube-apiserver reports the same value, as `sha256:<hex>`, in the metric " +
					"`apiserver_encryption_config_controller_last_config_info` once it has loaded the file; " +
					"`kubeharden_storage_rewrite.encryption_config_sha256` waits for it.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}
