package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

const encAddr = "kubeharden_encryption_config.this"

// TestAccEncryptionConfig_badInputs tries every validation rule: each case
// fails at plan time, before anything is written, with the attribute path
// in the message.
func TestAccEncryptionConfig_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cfg := func(resources, kms string) string {
		return fmt.Sprintf(`provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  resources = %s
  kms       = %s
}
`, resources, kms)
	}
	okKMS := `[{ name = "a", endpoint = "unix:///a.sock" }]`
	cases := []struct {
		name, config string
		want         *regexp.Regexp
	}{
		{"name with colon", cfg(`["secrets"]`, `[{ name = "a:b", endpoint = "unix:///a.sock" }]`),
			errorWith("kms[0].name: kube-apiserver would reject", "must not contain ':'")},
		{"empty name", cfg(`["secrets"]`, `[{ name = "", endpoint = "unix:///a.sock" }]`),
			errorWith("kms[0].name: kube-apiserver would reject", "name is a mandatory field")},
		{"duplicate names", cfg(`["secrets"]`, `[{ name = "a", endpoint = "unix:///a.sock" }, { name = "a", endpoint = "unix:///b.sock" }]`),
			errorWith("kms[1].name: kube-apiserver would reject", "duplicate KMS provider name a")},
		{"name not printable", cfg(`["secrets"]`, `[{ name = "a\u0007", endpoint = "unix:///a.sock" }]`),
			errorWith("kms[0].name:", "non-printable character U+0007")},
		{"endpoint tcp", cfg(`["secrets"]`, `[{ name = "a", endpoint = "tcp://127.0.0.1:9000" }]`),
			errorWith("kms[0].endpoint: kube-apiserver would reject", `unsupported scheme "tcp" for KMS provider, only unix is supported`)},
		{"endpoint plain path", cfg(`["secrets"]`, `[{ name = "a", endpoint = "/var/run/kms.sock" }]`),
			errorWith("kms[0].endpoint: kube-apiserver would reject", `unsupported scheme ""`)},
		{"endpoint empty", cfg(`["secrets"]`, `[{ name = "a", endpoint = "" }]`),
			errorWith("kms[0].endpoint: kube-apiserver would reject", "endpoint is a mandatory field")},
		{"timeout zero", cfg(`["secrets"]`, `[{ name = "a", endpoint = "unix:///a.sock", timeout = "0s" }]`),
			errorWith("kms[0].timeout: kube-apiserver would reject", "timeout should be a positive value")},
		{"timeout negative", cfg(`["secrets"]`, `[{ name = "a", endpoint = "unix:///a.sock" }, { name = "b", endpoint = "unix:///b.sock", timeout = "-2s" }]`),
			errorWith("kms[1].timeout: kube-apiserver would reject", "timeout should be a positive value")},
		{"timeout without unit", cfg(`["secrets"]`, `[{ name = "a", endpoint = "unix:///a.sock", timeout = "3" }]`),
			errorWith(`kms[0].timeout: "3" is not a Go duration`)},
		{"timeout words", cfg(`["secrets"]`, `[{ name = "a", endpoint = "unix:///a.sock", timeout = "three seconds" }]`),
			errorWith(`kms[0].timeout: "three seconds" is not a Go duration`)},
		{"no kms", cfg(`["secrets"]`, `[]`),
			errorWith("Attribute kms list must contain at least 1 elements")},
		{"no resources", cfg(`[]`, okKMS),
			errorWith("Attribute resources list must contain at least 1 elements")},
		{"empty resource", cfg(`[""]`, okKMS),
			errorWith("Attribute resources[0] string length must be at least 1")},
		{"star", cfg(`["*"]`, okKMS),
			errorWith("resources[0]: kube-apiserver would reject", "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources")},
		{"capitals", cfg(`["secrets", "ConfigMaps"]`, okKMS),
			errorWith("resources[1]: kube-apiserver would reject", "resource name should not contain capital letters")},
		{"extensions group", cfg(`["deployments.extensions"]`, okKMS),
			errorWith("resources[0]: kube-apiserver would reject", "'extensions' group has been removed and cannot be used for encryption")},
		{"events.k8s.io group", cfg(`["events.events.k8s.io"]`, okKMS),
			errorWith("resources[0]: kube-apiserver would reject", "Use 'events' instead")},
		{"across groups", cfg(`["secrets.*"]`, okKMS),
			errorWith("resources[0]: kube-apiserver would reject", "encrypting the same resource across groups is not supported")},
		{"not a REST resource", cfg(`["serviceipallocations"]`, okKMS),
			errorWith("resources[0]: kube-apiserver would reject", "resources which do not have REST API/s cannot be encrypted")},
		{"duplicates", cfg(`["secrets", "configmaps", "secrets"]`, okKMS),
			errorWith("resources: kube-apiserver would reject", "the same resource cannot be specified multiple times")},
		{"overlap with core wildcard", cfg(`["secrets", "*."]`, okKMS),
			errorWith("resources: kube-apiserver would reject", "using overlapping resources such as 'secrets' and '*.'")},
		{"overlap with everything", cfg(`["*.*", "configmaps"]`, okKMS),
			errorWith("resources: kube-apiserver would reject", "overlapping resources")},
		{"overlap in a group", cfg(`["deployments.apps", "*.apps"]`, okKMS),
			errorWith("resources: kube-apiserver would reject", "overlapping resources")},
		{"empty path", `provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  path = ""
  kms  = [{ name = "a", endpoint = "unix:///a.sock" }]
}`, errorWith("Attribute path string length must be at least 1")},
	}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: tc.config, PlanOnly: true, ExpectError: tc.want})
	}
	// Values unknown at plan time pass validation.
	steps = append(steps, resource.TestStep{
		Config: `provider "kubeharden" {}
resource "terraform_data" "later" { input = "kms-later" }
resource "kubeharden_encryption_config" "this" {
  resources = [terraform_data.later.output == "" ? "secrets" : "configmaps"]
  kms = [{ name = terraform_data.later.output, endpoint = "unix:///${terraform_data.later.output}.sock", timeout = terraform_data.later.output }]
}`,
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccEncryptionConfig_noPath renders the document without any file.
func TestAccEncryptionConfig_noPath(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	want, err := encryptionconfig.Render(encryptionconfig.Config{
		Resources:        []string{"secrets", "configmaps"},
		KMS:              []encryptionconfig.KMSProvider{{Name: "kms-2026", Endpoint: "unix:///var/run/kms/new.sock", Timeout: "3s"}, {Name: "kms-2025", Endpoint: "unix:///var/run/kms/old.sock", Timeout: "10s"}},
		IdentityFallback: false,
	})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  resources = ["secrets", "configmaps"]
  kms = [
    { name = "kms-2026", endpoint = "unix:///var/run/kms/new.sock" },
    { name = "kms-2025", endpoint = "unix:///var/run/kms/old.sock", timeout = "10s" },
  ]
  identity_fallback = false
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("yaml"), knownvalue.StringExact(string(want))),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("sha256"), knownvalue.StringExact(encryptionconfig.Sum(want))),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("id"), knownvalue.StringExact(encryptionconfig.Sum(want))),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("kms").AtSliceIndex(0).AtMapKey("timeout"), knownvalue.StringExact("3s")),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("path"), knownvalue.Null()),
			},
		}, {
			// Defaults: resources ["secrets"], identity last.
			Config: `provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  kms = [{ name = "kms-2026", endpoint = "unix:///var/run/kms/new.sock" }]
}`,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate)}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("resources"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("secrets")})),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("identity_fallback"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("yaml"), knownvalue.StringRegexp(regexp.MustCompile(`(?s)name: kms-2026\n      timeout: 3s\n  - identity: \{\}\n  resources:\n  - secrets\n$`))),
			},
		}},
	})
}

func fileMode(p string) (os.FileMode, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Mode().Perm(), nil
}

// checkFileMatchesState checks that the file holds exactly the state's yaml,
// with mode 0600.
func checkFileMatchesState(p string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[encAddr]
		if !ok {
			return fmt.Errorf("%s is not in state", encAddr)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if string(b) != rs.Primary.Attributes["yaml"] {
			return fmt.Errorf("%s holds:\n%s\nwhile state says:\n%s", p, b, rs.Primary.Attributes["yaml"])
		}
		if m, err := fileMode(p); err != nil || m != 0o600 {
			return fmt.Errorf("%s has mode %o (%w), want 600", p, m, err)
		}
		return nil
	}
}

// TestAccEncryptionConfig_lifecycle covers the file: written 0600 in new 0700
// folders, imported, edited and removed behind Terraform's back (drift,
// repaired), moved, and paths that cannot be written (clear error, old file
// intact).
func TestAccEncryptionConfig_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	dir := t.TempDir()
	p1 := filepath.Join(dir, "etc", "kubernetes", "enc", "encryption-config.yaml")
	p2 := filepath.Join(dir, "moved.yaml")
	asDir := filepath.Join(dir, "a-directory")
	regular := filepath.Join(dir, "regular-file")
	if err := os.WriteFile(regular, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(p, name string) string {
		return fmt.Sprintf(`provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [{ name = %q, endpoint = "unix:///var/run/kms/plugin.sock", timeout = "5s" }]
}`, p, name)
	}
	var p2Content []byte
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			for _, p := range []string{p1, p2} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					return fmt.Errorf("%s still exists after destroy (%w)", p, err)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(p1, "kms-a"),
				Check: resource.ComposeTestCheckFunc(checkFileMatchesState(p1), func(*terraform.State) error {
					for _, d := range []string{filepath.Join(dir, "etc"), filepath.Join(dir, "etc", "kubernetes", "enc")} {
						if m, err := fileMode(d); err != nil || m != 0o700 {
							return fmt.Errorf("%s has mode %o (%w), want 700", d, m, err)
						}
					}
					return nil
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("path"), knownvalue.StringExact(p1)),
					statecheck.ExpectKnownValue(encAddr, tfjsonpath.New("sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
				},
			},
			{
				ResourceName:      encAddr,
				ImportState:       true,
				ImportStateId:     p1,
				ImportStateVerify: true,
			},
			{
				// Edited on disk: the plan shows it and apply restores the file.
				PreConfig: func() {
					f, err := os.OpenFile(p1, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					_, _ = f.WriteString("# edited by hand\n")
					_ = f.Close()
				},
				Config: cfg(p1, "kms-a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(encAddr, tfjsonpath.New("yaml"), knownvalue.StringRegexp(regexp.MustCompile(`name: kms-a`))),
				}},
				Check: checkFileMatchesState(p1),
			},
			{
				// Removed from disk: the resource is gone from state and is created again.
				PreConfig: func() {
					if err := os.Remove(p1); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg(p1, "kms-a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionCreate)}},
				Check:            checkFileMatchesState(p1),
			},
			{
				// Moved: the new file is written, then the old one removed.
				Config:           cfg(p2, "kms-b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate)}},
				Check: resource.ComposeTestCheckFunc(checkFileMatchesState(p2), func(*terraform.State) error {
					if _, err := os.Stat(p1); !os.IsNotExist(err) {
						return fmt.Errorf("the old file %s is still there (%w)", p1, err)
					}
					var err error
					p2Content, err = os.ReadFile(p2)
					return err
				}),
			},
			{
				// A directory where the new file should go.
				PreConfig: func() {
					if err := os.Mkdir(asDir, 0o700); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg(asDir, "kms-c"),
				ExpectError: errorWith("Cannot Write Encryption Configuration", asDir+" is a directory", "a file already there keeps its old content"),
			},
			{
				// A path under a regular file.
				PreConfig: func() {
					if b, _ := os.ReadFile(p2); string(b) != string(p2Content) {
						t.Errorf("the failed apply changed %s:\n%s", p2, b)
					}
				},
				Config:      cfg(filepath.Join(regular, "enc.yaml"), "kms-c"),
				ExpectError: errorWith("Cannot Write Encryption Configuration", "is a regular file, not a directory"),
			},
			{
				// Back to the last good configuration: nothing to do, and the old file is intact.
				Config:           cfg(p2, "kms-b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if b, _ := os.ReadFile(p2); string(b) != string(p2Content) {
						return fmt.Errorf("%s changed:\n%s", p2, b)
					}
					if b, _ := os.ReadFile(regular); string(b) != "keep" {
						return fmt.Errorf("%s changed: %q", regular, b)
					}
					return nil
				},
			},
			{
				// A directory put in place of the managed file: drift, and apply says why it cannot repair it.
				PreConfig: func() {
					if err := os.Remove(p2); err != nil {
						t.Fatal(err)
					}
					if err := os.Mkdir(p2, 0o700); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg(p2, "kms-b"),
				ExpectError: errorWith("Cannot Write Encryption Configuration", p2+" is a directory"),
			},
			{
				PreConfig: func() {
					if err := os.Remove(p2); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(p2, "kms-b"),
				Check:  checkFileMatchesState(p2),
			},
		},
	})
}

func kmsList(t *testing.T, kms []kmsProviderModel) types.List {
	t.Helper()
	l, d := types.ListValueFrom(context.Background(), types.ObjectType{AttrTypes: kmsProviderAttrTypes}, kms)
	if d.HasError() {
		t.Fatal(d)
	}
	return l
}

// TestEncryptionConfig_rotationWarning calls ModifyPlan directly: a new first
// provider warns of a key rotation, and the warning says what to do.
func TestEncryptionConfig_rotationWarning(t *testing.T) {
	ctx := context.Background()
	r := NewEncryptionConfigResource().(*EncryptionConfigResource)
	var sr fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sr)
	model := func(kms ...kmsProviderModel) encryptionConfigModel {
		return encryptionConfigModel{
			ID: types.StringValue(""), Path: types.StringNull(), YAML: types.StringValue(""), SHA256: types.StringValue(""),
			Resources:        types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")}),
			KMS:              kmsList(t, kms),
			IdentityFallback: types.BoolValue(true),
			Timeouts:         r.timeouts.nullResourceValue(),
		}
	}
	a := kmsProviderModel{types.StringValue("kms-a"), types.StringValue("unix:///a.sock"), types.StringValue("3s")}
	b := kmsProviderModel{types.StringValue("kms-b"), types.StringValue("unix:///b.sock"), types.StringValue("3s")}
	aSlow := kmsProviderModel{types.StringValue("kms-a"), types.StringValue("unix:///a.sock"), types.StringValue("9s")}
	for _, tc := range []struct {
		name          string
		before, after []kmsProviderModel
		warn          bool
	}{
		{"new first provider", []kmsProviderModel{a}, []kmsProviderModel{b, a}, true},
		{"old provider dropped", []kmsProviderModel{b, a}, []kmsProviderModel{b}, false},
		{"decrypt-only provider added", []kmsProviderModel{a}, []kmsProviderModel{a, b}, false},
		{"timeout only", []kmsProviderModel{a}, []kmsProviderModel{aSlow}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			plan := tfsdk.Plan{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			before, after := model(tc.before...), model(tc.after...)
			if d := state.Set(ctx, &before); d.HasError() {
				t.Fatal(d)
			}
			if d := plan.Set(ctx, &after); d.HasError() {
				t.Fatal(d)
			}
			resp := fwresource.ModifyPlanResponse{Plan: plan}
			r.ModifyPlan(ctx, fwresource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sr.Schema, Raw: plan.Raw}}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var got string
			for _, d := range resp.Diagnostics.Warnings() {
				if d.Summary() == "Encryption Key Rotation" {
					got = d.Detail()
					if wd, ok := d.(interface{ Path() path.Path }); !ok || !wd.Path().Equal(path.Root("kms").AtListIndex(0)) {
						t.Errorf("the warning is not on kms[0]")
					}
				}
			}
			if tc.warn != (got != "") {
				t.Fatalf("warning = %q, want a warning: %v", got, tc.warn)
			}
			if tc.warn {
				for _, want := range []string{"key rotation", "must be loaded by every kube-apiserver before it becomes the writer", "kubeharden_storage_rewrite", `"kms-b"`} {
					if !strings.Contains(got, want) {
						t.Errorf("the warning lacks %q:\n%s", want, got)
					}
				}
			}
			var planned encryptionConfigModel
			if d := resp.Plan.Get(ctx, &planned); d.HasError() {
				t.Fatal(d)
			}
			if !strings.Contains(planned.YAML.ValueString(), "name: "+tc.after[0].Name.ValueString()) || len(planned.SHA256.ValueString()) != 64 {
				t.Errorf("planned yaml/sha256 not rendered: %q %q", planned.YAML.ValueString(), planned.SHA256.ValueString())
			}
		})
	}
}

// TestEncryptionConfig_pathChangeWarning: moving the file warns that the old
// one is removed, and names it.
func TestEncryptionConfig_pathChangeWarning(t *testing.T) {
	ctx := context.Background()
	r := NewEncryptionConfigResource().(*EncryptionConfigResource)
	var sr fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sr)
	kms := kmsList(t, []kmsProviderModel{{types.StringValue("a"), types.StringValue("unix:///a.sock"), types.StringValue("3s")}})
	model := func(p types.String) encryptionConfigModel {
		return encryptionConfigModel{
			ID: types.StringValue(""), Path: p, YAML: types.StringValue(""), SHA256: types.StringValue(""),
			Resources:        types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")}),
			KMS:              kms,
			IdentityFallback: types.BoolValue(true),
			Timeouts:         r.timeouts.nullResourceValue(),
		}
	}
	for _, tc := range []struct {
		name        string
		before, now types.String
		warn        bool
	}{
		{"moved", types.StringValue("/etc/old.yaml"), types.StringValue("/etc/new.yaml"), true},
		{"unset", types.StringValue("/etc/old.yaml"), types.StringNull(), true},
		{"same", types.StringValue("/etc/old.yaml"), types.StringValue("/etc/old.yaml"), false},
		{"first set", types.StringNull(), types.StringValue("/etc/new.yaml"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			plan := tfsdk.Plan{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			before, after := model(tc.before), model(tc.now)
			if d := state.Set(ctx, &before); d.HasError() {
				t.Fatal(d)
			}
			if d := plan.Set(ctx, &after); d.HasError() {
				t.Fatal(d)
			}
			resp := fwresource.ModifyPlanResponse{Plan: plan}
			r.ModifyPlan(ctx, fwresource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sr.Schema, Raw: plan.Raw}}, &resp)
			got := ""
			for _, d := range resp.Diagnostics.Warnings() {
				if d.Summary() == "Encryption Configuration File Will Be Removed" {
					got = d.Detail()
				}
			}
			if tc.warn != (got != "") {
				t.Fatalf("warning %q, want one: %v", got, tc.warn)
			}
			if tc.warn && !strings.Contains(got, "/etc/old.yaml is removed") {
				t.Errorf("the warning does not name the old file: %s", got)
			}
		})
	}
}

// foreignEncryptionConfig is an EncryptionConfiguration that kubeharden did
// not write: Secrets encrypted with aescbc, which the resource cannot
// express.
const foreignEncryptionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
      - identity: {}
`

// TestAccEncryptionConfig_existingFile: a new resource, or a new path, never
// writes over a file that holds another configuration (the API server
// could no longer decrypt what its providers stored): refused at plan time,
// and at apply time when the file appeared after the plan. A file already
// holding exactly this configuration is adopted.
func TestAccEncryptionConfig_existingFile(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	dir := t.TempDir()
	foreign, same, late, source := filepath.Join(dir, "foreign.yaml"), filepath.Join(dir, "same.yaml"), filepath.Join(dir, "late.yaml"), filepath.Join(dir, "source.yaml")
	for _, p := range []string{foreign, source} {
		if err := os.WriteFile(p, []byte(foreignEncryptionConfig), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := encryptionconfig.Render(encryptionconfig.Config{Resources: []string{"secrets"}, IdentityFallback: true,
		KMS: []encryptionconfig.KMSProvider{{Name: "kms-a", Endpoint: "unix:///var/run/kms/plugin.sock", Timeout: "5s"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(same, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(p, extra string) string {
		return fmt.Sprintf(`provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [{ name = "kms-a", endpoint = "unix:///var/run/kms/plugin.sock", timeout = "5s" }]
%s
}`, p, extra)
	}
	unchanged := func(p string) error {
		if b, err := os.ReadFile(p); err != nil || string(b) != foreignEncryptionConfig {
			return fmt.Errorf("%s was changed (%w):\n%s", p, err, b)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg(foreign, ""),
				PlanOnly:    true,
				ExpectError: errorWith("Encryption Configuration File Exists", foreign, `secrets: aescbc, identity`, "import"),
			},
			{
				// Exactly this configuration already: adopted, nothing to do after.
				PreConfig: func() {
					if err := unchanged(foreign); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg(same, ""),
				Check:            checkFileMatchesState(same),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Moving onto the foreign file is refused as well.
				Config:      cfg(foreign, ""),
				PlanOnly:    true,
				ExpectError: errorWith("Encryption Configuration File Exists", foreign),
			},
			{
				// The file appears during the apply, after the plan (made
				// by a resource applied first): the apply refuses.
				Config: cfg(same, "") + fmt.Sprintf(`
resource "terraform_data" "copy" {
  provisioner "local-exec" {
    command = "cp %[1]s %[2]s"
  }
}

resource "kubeharden_encryption_config" "late" {
  path       = %[2]q
  kms        = [{ name = "kms-a", endpoint = "unix:///var/run/kms/plugin.sock" }]
  depends_on = [terraform_data.copy]
}
`, source, late),
				ExpectError: errorWith("Encryption Configuration File Exists", late, "aescbc"),
			},
		},
	})
	for _, p := range []string{foreign, late} {
		if err := unchanged(p); err != nil {
			t.Error(err)
		}
	}
}
