package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

const eksEncryptionAddr = "kubeharden_eks_secrets_encryption.this"

// Key IDs for the tests. The extension fails an update for a key whose ID
// starts with fa11, cancels it for ca9ce1, and slows it down for 5100.
const (
	keyID1      = "11111111-1111-4111-8111-111111111111"
	keyID2      = "22222222-2222-4222-8222-222222222222"
	keyIDFail   = "fa110000-0000-4000-8000-000000000000"
	keyIDCancel = "ca9ce100-0000-4000-8000-000000000000"
	// keyIDSlow's update stays InProgress for 6 DescribeUpdate calls, not 2.
	keyIDSlow = "51000000-0000-4000-8000-000000000000"
)

func eksEncryptionConfig(m *acctest.Moto, cluster, key, extra string) string {
	return m.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_eks_secrets_encryption" "this" {
  cluster_name = %q
  key_arn      = %q
%s}
`, cluster, key, extra)
}

// clusterKey is the key that encrypts the cluster's Secrets in moto.
func clusterKey(m *acctest.Moto, cluster string) (string, error) {
	out, err := m.EKS.DescribeCluster(context.Background(), &awseks.DescribeClusterInput{Name: aws.String(cluster)})
	if err != nil {
		return "", err
	}
	return eks.SecretsKeyARN(out.Cluster), nil
}

// checkClusterKey asserts through the SDK that the cluster is encrypted
// with want ("" for not encrypted).
func checkClusterKey(m *acctest.Moto, cluster, want string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got, err := clusterKey(m, cluster)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("cluster %s is encrypted with %q, want %q", cluster, got, want)
		}
		return nil
	}
}

// checkUpdates asserts the updates the extension made on the cluster: their
// statuses, and that each was polled through InProgress.
func checkUpdates(m *acctest.Moto, cluster string, statuses ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		updates, err := m.Updates(context.Background(), cluster)
		if err != nil {
			return err
		}
		if len(updates) != len(statuses) {
			return fmt.Errorf("cluster %s has %d updates (%+v), want %d", cluster, len(updates), updates, len(statuses))
		}
		for i, u := range updates {
			if u.Status != statuses[i] || u.Type != "AssociateEncryptionConfig" {
				return fmt.Errorf("update %d of %s is %+v, want an AssociateEncryptionConfig %s", i, cluster, u, statuses[i])
			}
			// Two InProgress answers, then the final one.
			if u.Polls != 3 {
				return fmt.Errorf("update %s was polled %d times, want 3 (InProgress twice, then %s)", u.ID, u.Polls, u.Status)
			}
		}
		return nil
	}
}

// TestAccEKSSecretsEncryption_basic associates a key (through InProgress),
// re-plans empty, imports, refuses a key change at plan time, and leaves the
// cluster encrypted on destroy.
func TestAccEKSSecretsEncryption_basic(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-basic")
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	key1, key2 := m.KeyARN(keyID1), m.KeyARN(keyID2)
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroy only forgets: the cluster keeps its key.
		CheckDestroy: checkClusterKey(m, name, key1),
		Steps: []tfresource.TestStep{
			{
				Config: eksEncryptionConfig(m, name, key1, ""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(eksEncryptionAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("cluster_name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("key_arn"), knownvalue.StringExact(key1)),
					statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("timeouts"), knownvalue.Null()),
				},
				Check: tfresource.ComposeAggregateTestCheckFunc(
					checkClusterKey(m, name, key1),
					checkUpdates(m, name, "Successful"),
				),
			},
			{
				ResourceName:      eksEncryptionAddr,
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
			},
			{
				// Only timeouts change: an in-place update, no API call.
				Config: eksEncryptionConfig(m, name, key1, "  timeouts {\n    create = \"90m\"\n  }\n"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(eksEncryptionAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("timeouts"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"create": knownvalue.StringExact("90m"), "read": knownvalue.Null(),
					})),
				},
				Check: checkUpdates(m, name, "Successful"),
			},
			{
				Config:   eksEncryptionConfig(m, name, key2, ""),
				PlanOnly: true,
				ExpectError: errorWith("EKS Cannot Change The Secrets Encryption Key", "key_arn =",
					fmt.Sprintf("The Secrets of cluster %q are encrypted with the KMS key %s; the configuration asks for %s.", name, key1, key2)),
			},
		},
	})
}

// TestAccEKSSecretsEncryption_adopt adopts a cluster already encrypted with
// the configured key, without an update.
func TestAccEKSSecretsEncryption_adopt(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-adopt")
	key := m.KeyARN(keyID1)
	createEKSCluster(t, m, name, eksFixture{version: "1.30", keyARN: key})
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkClusterKey(m, name, key),
		Steps: []tfresource.TestStep{{
			Config: eksEncryptionConfig(m, name, key, ""),
			ConfigPlanChecks: tfresource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("key_arn"), knownvalue.StringExact(key)),
			},
			Check: checkUpdates(m, name), // no AssociateEncryptionConfig call
		}},
	})
}

// TestAccEKSSecretsEncryption_otherKeyAlreadySet fails clearly on a cluster
// encrypted with another key, and leaves it alone.
func TestAccEKSSecretsEncryption_otherKeyAlreadySet(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-other")
	key1, key2 := m.KeyARN(keyID1), m.KeyARN(keyID2)
	createEKSCluster(t, m, name, eksFixture{version: "1.30", keyARN: key2})
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkClusterKey(m, name, key2),
		Steps: []tfresource.TestStep{{
			Config: eksEncryptionConfig(m, name, key1, ""),
			ExpectError: errorWith("Cluster Already Encrypted With Another Key", "key_arn =",
				fmt.Sprintf("The Secrets of cluster %q in us-east-1 are already encrypted with the KMS key %s, not %s.", name, key2, key1)),
		}},
	})
}

// TestAccEKSSecretsEncryption_updateEnds covers updates that end Failed or
// Cancelled: the error carries EKS's details and nothing lands in state.
func TestAccEKSSecretsEncryption_updateEnds(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	for _, tc := range []struct {
		status, keyID, detail string
	}{
		{"Failed", keyIDFail, "AccessDenied: The cluster's IAM role is not allowed to use the KMS key"},
		{"Cancelled", keyIDCancel, "Unknown: The update was cancelled."},
	} {
		t.Run(tc.status, func(t *testing.T) {
			t.Parallel()
			name := acctest.UniqueName("enc-" + strings.ToLower(tc.status))
			createEKSCluster(t, m, name, eksFixture{version: "1.30"})
			tfresource.Test(t, tfresource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: tfresource.ComposeAggregateTestCheckFunc(
					checkClusterKey(m, name, ""),
					checkUpdates(m, name, tc.status),
				),
				Steps: []tfresource.TestStep{{
					Config: eksEncryptionConfig(m, name, m.KeyARN(tc.keyID), ""),
					ExpectError: regexp.MustCompile(`(?s)EKS Update Failed.*` + acctest.ErrorText(
						fmt.Sprintf("(AssociateEncryptionConfig) of cluster %q ended %s; %s", name, tc.status, tc.detail)).String()),
				}},
			})
		})
	}
}

// TestAccEKSSecretsEncryption_drift changes the cluster behind Terraform's
// back: re-created without encryption (plan re-creates, apply repairs),
// re-created with another key (plan refuses), deleted (the resource leaves
// the state).
func TestAccEKSSecretsEncryption_drift(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-drift")
	key1, key2 := m.KeyARN(keyID1), m.KeyARN(keyID2)
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	recreate := func(key string) func() {
		return func() {
			deleteEKSCluster(t, m, name)
			if _, err := m.EKS.CreateCluster(context.Background(), createClusterInput(name, eksFixture{version: "1.30", keyARN: key})); err != nil {
				t.Fatal(err)
			}
		}
	}
	config := eksEncryptionConfig(m, name, key1, "")
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := clusterKey(m, name); !eks.IsNotFound(err) {
				return fmt.Errorf("cluster %s should be gone (deleted by the test), got %w", name, err)
			}
			return nil
		},
		Steps: []tfresource.TestStep{
			{
				Config: config,
				Check:  checkClusterKey(m, name, key1),
			},
			{
				PreConfig: recreate(""),
				Config:    config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(eksEncryptionAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkClusterKey(m, name, key1),
			},
			{
				PreConfig: recreate(key2),
				Config:    config,
				PlanOnly:  true,
				ExpectError: errorWith("EKS Cannot Change The Secrets Encryption Key", "key_arn =",
					fmt.Sprintf("The Secrets of cluster %q are encrypted with the KMS key %s; the configuration asks for %s.", name, key2, key1)),
			},
			{
				PreConfig:          func() { deleteEKSCluster(t, m, name) },
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(eksEncryptionAddr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

// TestAccEKSSecretsEncryption_timeout gives the association less time than
// EKS takes: the error names the update and its last status, and nothing is
// in state. While that update still runs, a configuration with another key
// is refused naming the running update; applying the same key again waits
// for the running update instead of starting a second one.
func TestAccEKSSecretsEncryption_timeout(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-timeout")
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	slow := m.KeyARN(keyIDSlow)
	running := func(want string) func() {
		return func() {
			updates, err := m.Updates(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if len(updates) != 1 || updates[0].Status != want {
				t.Fatalf("cluster %s has updates %+v, want one %s", name, updates, want)
			}
		}
	}
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkClusterKey(m, name, slow),
		Steps: []tfresource.TestStep{
			{
				Config: eksEncryptionConfig(m, name, slow, "  timeouts {\n    create = \"2s\"\n  }\n"),
				ExpectError: regexp.MustCompile(`(?s)Timed Out Waiting For EKS Update.*` +
					acctest.ErrorText(fmt.Sprintf("of cluster %q was still InProgress after", name)).String()),
			},
			{
				PreConfig: running("InProgress"),
				Config:    eksEncryptionConfig(m, name, m.KeyARN(keyID2), ""),
				ExpectError: regexp.MustCompile(`(?s)EKS Cluster Busy.*` + acctest.ErrorText(fmt.Sprintf("cluster %q has 1 update(s) in progress:", name)).String() +
					`.*` + acctest.ErrorText("(AssociateEncryptionConfig, key "+slow).String()),
			},
			{
				PreConfig:         running("InProgress"),
				Config:            eksEncryptionConfig(m, name, slow, ""),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(eksEncryptionAddr, tfjsonpath.New("key_arn"), knownvalue.StringExact(slow))},
				Check: tfresource.ComposeTestCheckFunc(checkClusterKey(m, name, slow), func(*terraform.State) error {
					running("Successful")()
					// One update, seen InProgress 6 times across the three
					// applies, then Successful: no second association.
					if updates, _ := m.Updates(context.Background(), name); updates[0].Polls != 7 {
						return fmt.Errorf("the update was polled %d times, want 7", updates[0].Polls)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccEKSSecretsEncryption_throttled makes moto throttle the first calls
// on the cluster: the create still succeeds.
func TestAccEKSSecretsEncryption_throttled(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("enc-throttled")
	key := m.KeyARN(keyID1)
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	const throttles = 4
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkClusterKey(m, name, key),
		Steps: []tfresource.TestStep{{
			PreConfig: func() {
				if err := m.Throttle(context.Background(), name, throttles); err != nil {
					t.Fatal(err)
				}
			},
			Config: eksEncryptionConfig(m, name, key, ""),
			Check: tfresource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error { return expectThrottlesSent(m, name, throttles) },
				checkClusterKey(m, name, key),
			),
		}},
	})
}

// TestAccEKSSecretsEncryption_badInput is the table of configurations
// refused at plan time, with the attribute at fault.
func TestAccEKSSecretsEncryption_badInput(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	key := m.KeyARN(keyID1)
	resourceCfg := func(cluster, keyARN string) string { return eksEncryptionConfig(m, cluster, keyARN, "") }
	cases := []struct {
		name, config string
		want         *regexp.Regexp
	}{
		{"empty cluster name", resourceCfg("", key), errorWith("Invalid Attribute Value Length", "cluster_name =", "string length must be between 1 and 100")},
		{"cluster name with a space", resourceCfg("prod cluster", key), errorWith("Invalid Attribute Value Match", "cluster_name =", "must start with a letter or digit and contain only letters, digits, hyphens and underscores")},
		{"cluster name starting with a hyphen", resourceCfg("-prod", key), errorWith("Invalid Attribute Value Match", "cluster_name =", "must start with a letter or digit")},
		{"cluster name too long", resourceCfg(strings.Repeat("a", 101), key), errorWith("Invalid Attribute Value Length", "cluster_name =", "string length must be between 1 and 100")},
		{"key not an ARN", resourceCfg("prod", keyID1), errorWith("Invalid KMS Key ARN", "key_arn =", fmt.Sprintf("%q is not an ARN", keyID1))},
		{"empty key", resourceCfg("prod", ""), errorWith("Invalid KMS Key ARN", "key_arn =", `"" is not an ARN`)},
		{"alias ARN", resourceCfg("prod", "arn:aws:kms:us-east-1:123456789012:alias/eks"), errorWith("Invalid KMS Key ARN", "key_arn =", "is a KMS alias ARN; use the ARN of the key itself")},
		{"another service", resourceCfg("prod", "arn:aws:iam::123456789012:role/eks"), errorWith("Invalid KMS Key ARN", "key_arn =", `is an ARN of the service "iam"`)},
		{"short account", resourceCfg("prod", "arn:aws:kms:us-east-1:1234:key/"+keyID1), errorWith("Invalid KMS Key ARN", "key_arn =", `has the account "1234"`)},
		{"upper-case key ID", resourceCfg("prod", m.KeyARN("1234ABCD-12AB-34CD-56EF-1234567890AB")), errorWith("Invalid KMS Key ARN", "key_arn =", "has the key ID")},
		{"key in another region", resourceCfg("prod", "arn:aws:kms:eu-west-1:123456789012:key/"+keyID1),
			errorWith("KMS Key In Another Region", "key_arn =", "is in eu-west-1, but the provider manages EKS clusters in us-east-1")},
		{"bad create timeout", eksEncryptionConfig(m, "prod", key, "  timeouts {\n    create = \"soon\"\n  }\n"),
			regexp.MustCompile(`(?s)Invalid Attribute Value.*create\s+=.*must be a string containing a sequence of decimal numbers`)},
		{"empty data source name", m.ProviderConfig() + `data "kubeharden_eks_cluster" "this" { name = "" }`,
			errorWith("Invalid Attribute Value Length", "name =", "string length must be between 1 and 100")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tfresource.Test(t, tfresource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []tfresource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

// newTestEKSEncryptionResource returns the resource, its schema and the
// schema's object type, for unit tests of its plan logic.
func newTestEKSEncryptionResource(t *testing.T) (*EKSSecretsEncryptionResource, schema.Schema, tftypes.Object) {
	t.Helper()
	r := NewEKSSecretsEncryptionResource().(*EKSSecretsEncryptionResource)
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return r, resp.Schema, resp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
}

func eksEncryptionValue(typ tftypes.Object, cluster, key string) tftypes.Value {
	return tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":           tftypes.NewValue(tftypes.String, cluster),
		"cluster_name": tftypes.NewValue(tftypes.String, cluster),
		"key_arn":      tftypes.NewValue(tftypes.String, key),
		"timeouts":     tftypes.NewValue(typ.AttributeTypes["timeouts"], nil),
	})
}

func TestEKSSecretsEncryption_deleteWarns(t *testing.T) {
	r, s, typ := newTestEKSEncryptionResource(t)
	key := "arn:aws:kms:eu-west-1:111122223333:key/" + keyID1
	req := resource.DeleteRequest{State: tfsdk.State{Schema: s, Raw: eksEncryptionValue(typ, "prod", key)}}
	resp := resource.DeleteResponse{State: tfsdk.State{Schema: s, Raw: eksEncryptionValue(typ, "prod", key)}}
	r.Delete(context.Background(), req, &resp)
	expectOneDiag(t, resp.Diagnostics, diag.SeverityWarning, "EKS Secrets Encryption Stays On",
		`the cluster keeps encrypting Secrets with `+key+` until the cluster itself is deleted`)
}

func TestEKSSecretsEncryption_modifyPlan(t *testing.T) {
	r, s, typ := newTestEKSEncryptionResource(t)
	key1 := "arn:aws:kms:eu-west-1:111122223333:key/" + keyID1
	key2 := "arn:aws:kms:eu-west-1:111122223333:key/" + keyID2
	unknownKey := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":           tftypes.NewValue(tftypes.String, "prod"),
		"cluster_name": tftypes.NewValue(tftypes.String, "prod"),
		"key_arn":      tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"timeouts":     tftypes.NewValue(typ.AttributeTypes["timeouts"], nil),
	})
	cases := []struct {
		name        string
		state, plan tftypes.Value
		severity    diag.Severity // 0: no diagnostic
		summary     string
		detail      string
	}{
		{"key change refused", eksEncryptionValue(typ, "prod", key1), eksEncryptionValue(typ, "prod", key2),
			diag.SeverityError, "EKS Cannot Change The Secrets Encryption Key", "Set key_arn back to " + key1},
		{"same key", eksEncryptionValue(typ, "prod", key1), eksEncryptionValue(typ, "prod", key1), 0, "", ""},
		{"another cluster may use another key", eksEncryptionValue(typ, "prod", key1), eksEncryptionValue(typ, "staging", key2), 0, "", ""},
		{"unknown key passes", eksEncryptionValue(typ, "prod", key1), unknownKey, 0, "", ""},
		{"destroy warns", eksEncryptionValue(typ, "prod", key1), tftypes.NewValue(typ, nil),
			diag.SeverityWarning, "EKS Secrets Encryption Stays On", "Do not disable or schedule the deletion of that key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := resource.ModifyPlanRequest{
				State: tfsdk.State{Schema: s, Raw: tc.state},
				Plan:  tfsdk.Plan{Schema: s, Raw: tc.plan},
			}
			resp := resource.ModifyPlanResponse{Plan: req.Plan}
			r.ModifyPlan(context.Background(), req, &resp)
			if tc.severity == 0 {
				if len(resp.Diagnostics) != 0 {
					t.Fatalf("unexpected diagnostics: %v", resp.Diagnostics)
				}
				return
			}
			expectOneDiag(t, resp.Diagnostics, tc.severity, tc.summary, tc.detail)
			if tc.severity == diag.SeverityError {
				d, ok := resp.Diagnostics[0].(diag.DiagnosticWithPath)
				if !ok || !d.Path().Equal(path.Root("key_arn")) {
					t.Errorf("the error is not on key_arn: %v", resp.Diagnostics[0])
				}
			}
		})
	}
}
