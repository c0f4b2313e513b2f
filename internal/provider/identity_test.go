package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakearm"
)

// The identity tests of every resource are one table, here, rather than a
// test in each type's file: the mechanism is one (framework_identity.go),
// so is what must hold for every type (the identity after apply, then
// import by `terraform import`, by an import block's id and by its
// identity, each with nothing to change), and a type added later gets the
// same checks by adding a row. Each row brings its own fixture.

// identityCase is one resource type's identity test.
type identityCase struct {
	config string
	addr   string
	// identity is what the state's identity must be.
	identity map[string]knownvalue.Check
	// importID is the string import ID; empty when the type cannot be
	// imported (then only the identity is checked).
	importID string
	// ignore lists attributes an import cannot read back.
	ignore []string
	// extra steps after the import steps.
	extra []resource.TestStep
}

func identitySteps(c identityCase) []resource.TestStep {
	steps := []resource.TestStep{{
		Config:            c.config,
		ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectIdentity(c.addr, c.identity)},
	}}
	if c.importID != "" {
		steps = append(steps,
			resource.TestStep{ResourceName: c.addr, ImportState: true, ImportStateKind: resource.ImportCommandWithID,
				ImportStateId: c.importID, ImportStateVerify: true, ImportStateVerifyIgnore: c.ignore},
			resource.TestStep{ResourceName: c.addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: c.importID},
			resource.TestStep{ResourceName: c.addr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		)
	}
	return append(steps, c.extra...)
}

func testIdentity(t *testing.T, c identityCase) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    identitySteps(c),
	})
}

func TestAccNamespacePodSecurity_identity(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns, _ := newLabelledNamespace(t, cp, "psa-ident")
	testIdentity(t, identityCase{
		config:   psaConfig(cp, ns, `  enforce = { level = "baseline" }`),
		addr:     psaRes,
		identity: map[string]knownvalue.Check{"namespace": knownvalue.StringExact(ns)},
		importID: ns,
		ignore:   []string{"timeouts"},
	})
}

func TestAccSeccompDefault_identity(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	id := acctest.UniqueName("seccomp-ident")
	testIdentity(t, identityCase{
		config: cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name    = %q
  profile = { type = "RuntimeDefault" }
  namespace_selector = {
    match_labels = { %q = %q }
  }
}
`, id, seccompTestLabel, id),
		addr:     seccompAddr,
		identity: map[string]knownvalue.Check{"name": knownvalue.StringExact(id)},
		importID: id,
	})
}

func TestAccEKSSecretsEncryption_identity(t *testing.T) {
	m := acctest.SharedMoto(t)
	name := acctest.UniqueName("enc-ident")
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	testIdentity(t, identityCase{
		config: eksEncryptionConfig(m, name, m.KeyARN(keyID1), ""),
		addr:   eksEncryptionAddr,
		identity: map[string]knownvalue.Check{
			"region": knownvalue.StringExact(m.Region), "cluster_name": knownvalue.StringExact(name),
		},
		importID: name,
		extra: []resource.TestStep{{
			// An identity in another region than the provider's is refused.
			Config: eksEncryptionConfig(m, name, m.KeyARN(keyID1), "") + fmt.Sprintf(`
import {
  to       = %s
  identity = { region = "eu-west-3", cluster_name = %q }
}
`, eksEncryptionAddr, name),
			ResourceName: eksEncryptionAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
			ImportStateConfigExact: true,
			ExpectError:            errorWith("Cluster In Another Region", "names the region eu-west-3, but this provider manages EKS clusters in "+m.Region),
		}},
	})
}

func TestAccGKESecretsEncryption_identity(t *testing.T) {
	s := startFakeGKE(t)
	seedGKECluster(s, "prod")
	testIdentity(t, identityCase{
		config: gkeEncryptionConfig(s, "prod", gkeKey("k1"), ""),
		addr:   gkeEncRes,
		identity: map[string]knownvalue.Check{
			"project": knownvalue.StringExact(gkeTestProject), "location": knownvalue.StringExact(gkeTestLocation),
			"cluster": knownvalue.StringExact("prod"),
		},
		importID: gkeTestProject + "/" + gkeTestLocation + "/prod",
		ignore:   []string{"timeouts"},
	})
}

func TestAccAKSSecretsEncryption_identity(t *testing.T) {
	s := startFakeARM(t)
	addAKSCluster(s, "prod", "")
	id := fakearm.ID(aksTestSub, aksEncRG, "prod")
	testIdentity(t, identityCase{
		config:   aksEncryptionConfig(s, "prod", aksKey("v1"), ""),
		addr:     "kubeharden_aks_secrets_encryption.this",
		identity: map[string]knownvalue.Check{"id": knownvalue.StringExact(id)},
		importID: id,
		ignore:   []string{"timeouts"},
	})
}

func TestAccEncryptionConfig_identity(t *testing.T) {
	acctest.PreCheck(t)
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "enc", "config.yaml"), filepath.Join(dir, "moved.yaml")
	cfg := func(p string) string {
		attr := ""
		if p != "" {
			attr = fmt.Sprintf("path = %q", p)
		}
		return fmt.Sprintf(`provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  %s
  kms = [{ name = "kms-a", endpoint = "unix:///var/run/kms/plugin.sock", timeout = "5s" }]
}`, attr)
	}
	testIdentity(t, identityCase{
		config:   cfg(p1),
		addr:     encAddr,
		identity: map[string]knownvalue.Check{"path": knownvalue.StringExact(p1)},
		importID: p1,
		extra: []resource.TestStep{
			{
				// The file moves in place, and its identity with it.
				Config:            cfg(p2),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectIdentity(encAddr, map[string]knownvalue.Check{"path": knownvalue.StringExact(p2)})},
			},
			{
				// Without a path there is no file: the identity's path is empty.
				Config:            cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectIdentity(encAddr, map[string]knownvalue.Check{"path": knownvalue.StringExact("")})},
			},
		},
	})
}

func TestAccStorageRewrite_identity(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	w := newWidgetKind(t, cp, 3)
	testIdentity(t, identityCase{
		config:   fastProvider(cp) + fmt.Sprintf("resource \"kubeharden_storage_rewrite\" \"this\" {\n  resources = [%q]\n}\n", w.name()),
		addr:     rewriteAddr,
		identity: map[string]knownvalue.Check{"id": knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))},
	})
}

// TestResourceIdentities holds every resource to the identity contract:
// it has one, valid, of strings; every attribute not derived is a state
// attribute of the same name; the import by identity gives the import ID
// that the string form takes.
func TestResourceIdentities(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md fwresource.MetadataResponse
		r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		t.Run(md.TypeName, func(t *testing.T) {
			ri, ok := r.(fwresource.ResourceWithIdentity)
			if !ok {
				t.Fatal("the resource has no identity")
			}
			var is fwresource.IdentitySchemaResponse
			ri.IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &is)
			if d := is.IdentitySchema.ValidateImplementation(ctx); d.HasError() {
				t.Fatalf("invalid identity schema: %v", d)
			}
			if len(is.IdentitySchema.Attributes) == 0 {
				t.Fatal("the identity has no attributes")
			}
			var s fwresource.SchemaResponse
			r.Schema(ctx, fwresource.SchemaRequest{}, &s)
			spec := identityOfResource(t, r)
			for _, a := range spec.attrs {
				if _, ok := is.IdentitySchema.Attributes[a.name].(identityschema.StringAttribute); !ok {
					t.Errorf("identity attribute %s is not a string", a.name)
				}
				if _, inState := s.Schema.Attributes[a.name]; inState == a.derived {
					t.Errorf("identity attribute %s: derived=%v, but the resource schema has it: %v", a.name, a.derived, inState)
				}
			}
		})
	}
}

// identityOfResource is the identitySpec a resource was built with.
func identityOfResource(t *testing.T, r fwresource.Resource) *identitySpec {
	t.Helper()
	switch v := r.(type) {
	case *NamespacePodSecurityResource:
		return v.identity
	case *SeccompDefaultResource:
		return v.identity
	case *EKSSecretsEncryptionResource:
		return v.identity
	case *GKESecretsEncryptionResource:
		return v.identity
	case *AKSSecretsEncryptionResource:
		return v.identity
	case *EncryptionConfigResource:
		return v.identity
	case *StorageRewriteResource:
		return v.identity
	}
	t.Fatalf("%T: add it to identityOfResource", r)
	return nil
}

// TestImportIDFromIdentity: an import block's identity becomes the import
// ID the resource's string form takes, and a missing attribute is an error
// naming it.
func TestImportIDFromIdentity(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		r       fwresource.Resource
		values  map[string]string
		want    string
		wantErr string
	}{
		{NewNamespacePodSecurityResource(), map[string]string{"namespace": "team-a"}, "team-a", ""},
		{NewSeccompDefaultResource(), map[string]string{"name": "default"}, "default", ""},
		{NewGKESecretsEncryptionResource(), map[string]string{"project": "p", "location": "europe-west1", "cluster": "prod"}, "p/europe-west1/prod", ""},
		{NewAKSSecretsEncryptionResource(), map[string]string{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c"},
			"/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c", ""},
		{NewEncryptionConfigResource(), map[string]string{"path": "/etc/enc.yaml"}, "/etc/enc.yaml", ""},
		// Without region, the EKS ID is the name, with no call to AWS.
		{NewEKSSecretsEncryptionResource(), map[string]string{"cluster_name": "prod"}, "prod", ""},
		{NewGKESecretsEncryptionResource(), map[string]string{"project": "p", "cluster": "prod"}, "",
			"The import block's identity has no location. Importing a kubeharden_gke_secrets_encryption by identity needs `project`, `location` and `cluster`."},
	}
	for _, c := range cases {
		b := identityOfResource(t, c.r)
		var is fwresource.IdentitySchemaResponse
		c.r.(fwresource.ResourceWithIdentity).IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &is)
		typ := is.IdentitySchema.Type().TerraformType(ctx)
		vals := map[string]tftypes.Value{}
		for name := range is.IdentitySchema.Attributes {
			v, ok := c.values[name]
			if !ok {
				vals[name] = tftypes.NewValue(tftypes.String, nil)
				continue
			}
			vals[name] = tftypes.NewValue(tftypes.String, v)
		}
		req := fwresource.ImportStateRequest{Identity: &tfsdk.ResourceIdentity{Schema: is.IdentitySchema, Raw: tftypes.NewValue(typ, vals)}}
		var md fwresource.MetadataResponse
		c.r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		rb := &base{name: md.TypeName[len(providerTypeName)+1:], identity: b}
		var diags diag.Diagnostics
		got := rb.importID(ctx, req, &diags)
		if c.wantErr != "" {
			if !diags.HasError() || diags[0].Detail() != c.wantErr {
				t.Errorf("%s %v: diagnostics %v, want the error %q", md.TypeName, c.values, diags, c.wantErr)
			}
			if len(diags) > 0 {
				if ad, ok := diags[0].(interface{ Path() path.Path }); !ok || !ad.Path().Equal(path.Root("location")) {
					t.Errorf("%s: the error is not on the attribute location", md.TypeName)
				}
			}
			continue
		}
		if diags.HasError() || got != c.want {
			t.Errorf("%s %v: import ID %q (%v), want %q", md.TypeName, c.values, got, diags, c.want)
		}
	}
}
