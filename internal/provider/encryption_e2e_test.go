package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/rewrite"
)

// etcdRaw reads the value stored at key, as kube-apiserver wrote it.
func etcdRaw(ctx context.Context, endpoint, key string) ([]byte, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) != 1 {
		return nil, fmt.Errorf("etcd has %d values at %s", len(resp.Kvs), key)
	}
	return resp.Kvs[0].Value, nil
}

type testSecret struct{ ns, name, value string }

// TestAccEncryptionConfig_kmsV2EndToEnd proves the chain on a real
// kube-apiserver: the file kubeharden_encryption_config writes makes the API
// server encrypt Secrets with the first KMS v2 provider (checked in etcd),
// a rotation followed by kubeharden_storage_rewrite re-encrypts them with
// the new provider, and drift of the file on disk is seen and repaired.
func TestAccEncryptionConfig_kmsV2EndToEnd(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	ctx := context.Background()
	pluginA, err := acctest.StartKMSPlugin(ctx, "key-a-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pluginA.Stop)
	pluginB, err := acctest.StartKMSPlugin(ctx, "key-b-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pluginB.Stop)

	// A short folder under /tmp: the KMS plugins' unix sockets live there,
	// and t.TempDir() paths can pass the 108-byte socket path limit.
	work, err := acctest.TempDir("kubeharden-enc-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	cfgPath := filepath.Join(work, "etc", "enc", "encryption-config.yaml")
	// The control plane starts in step 2, after the file exists; its folder,
	// and so its kubeconfig path, is chosen now for the provider block.
	cpDir := filepath.Join(work, "cp")
	if err := os.MkdirAll(cpDir, 0o700); err != nil {
		t.Fatal(err)
	}
	var cp *acctest.ControlPlane
	t.Cleanup(func() {
		if cp != nil {
			cp.Stop()
		}
	})

	random := make([]byte, 12)
	_, _ = rand.Read(random)
	secrets := []testSecret{
		{"enc-one", "db-password", "plaintext-" + hex.EncodeToString(random) + "-1"},
		{"enc-one", "api-token", "plaintext-" + hex.EncodeToString(random) + "-2"},
		{"enc-two", "tls", "plaintext-" + hex.EncodeToString(random) + "-3"},
	}

	provider := fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    config_path = %q
  }
}
`, filepath.Join(cpDir, "kubeconfig"))
	encOne := provider + fmt.Sprintf(`
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [{ name = "kms-a", endpoint = %q }]
}
`, cfgPath, pluginA.Endpoint)
	rewriteConfig := `
resource "kubeharden_storage_rewrite" "this" {
  resources                = ["secrets"]
  encryption_config_sha256 = kubeharden_encryption_config.this.sha256
}
`
	encRotated := provider + fmt.Sprintf(`
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [
    { name = "kms-b", endpoint = %q },
    { name = "kms-a", endpoint = %q },
  ]
}
`, cfgPath, pluginB.Endpoint, pluginA.Endpoint) + rewriteConfig

	// checkStored checks every Secret in etcd: the prefix of the provider
	// expected, no plaintext; and that the API returns the original data.
	checkStored := func(provider string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			prefix := []byte("k8s:enc:kms:v2:" + provider + ":")
			for _, s := range secrets {
				raw, err := etcdRaw(ctx, cp.EtcdEndpoint, "/registry/secrets/"+s.ns+"/"+s.name)
				if err != nil {
					return err
				}
				if !bytes.HasPrefix(raw, prefix) {
					return fmt.Errorf("secret %s/%s is stored as %q..., want the prefix %q", s.ns, s.name, raw[:min(len(raw), 40)], prefix)
				}
				if bytes.Contains(raw, []byte(s.value)) {
					return fmt.Errorf("secret %s/%s: the plaintext is in etcd", s.ns, s.name)
				}
				got, err := cp.Clientset.CoreV1().Secrets(s.ns).Get(ctx, s.name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if string(got.Data["value"]) != s.value {
					return fmt.Errorf("secret %s/%s reads back as %q, want %q", s.ns, s.name, got.Data["value"], s.value)
				}
			}
			return nil
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := os.Stat(cfgPath); !os.IsNotExist(err) {
				return fmt.Errorf("%s still exists after destroy (%w)", cfgPath, err)
			}
			// Destroying the rewrite changes nothing in the cluster.
			return checkStored("kms-b")(nil)
		},
		Steps: []resource.TestStep{
			{
				Config: encOne,
				Check:  checkFileMatchesState(cfgPath),
			},
			{
				// A second control plane reads the file; Secrets created now are
				// encrypted by kms-a. The rewrite finds the configuration loaded.
				PreConfig: func() {
					var err error
					cp, err = acctest.StartControlPlane(ctx, acctest.Options{Dir: cpDir, Logf: t.Logf, ExtraAPIServerArgs: []string{
						"--encryption-provider-config=" + cfgPath,
						"--encryption-provider-config-automatic-reload=true",
					}})
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range secrets {
						if err := cp.CreateNamespace(ctx, s.ns, nil); err != nil {
							t.Fatal(err)
						}
						sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns}, Data: map[string][]byte{"value": []byte(s.value)}}
						if _, err := cp.Clientset.CoreV1().Secrets(s.ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: encOne + rewriteConfig,
				Check: resource.ComposeTestCheckFunc(checkStored("kms-a"), func(*terraform.State) error {
					if pluginA.Encrypts() == 0 || pluginB.Encrypts() != 0 {
						return fmt.Errorf("plugin calls: a=%d b=%d encrypts, want a only", pluginA.Encrypts(), pluginB.Encrypts())
					}
					return nil
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kubeharden_storage_rewrite.this", tfjsonpath.New("rewritten"), knownvalue.Int64Exact(int64(len(secrets)))),
					statecheck.ExpectKnownValue("kubeharden_storage_rewrite.this", tfjsonpath.New("skipped"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("kubeharden_storage_rewrite.this", tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				},
			},
			{
				// Rotation: kms-b first, kms-a kept to decrypt. The rewrite waits
				// for the API server's reload (its metric) and then re-encrypts.
				Config: encRotated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("kubeharden_storage_rewrite.this", plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeTestCheckFunc(checkStored("kms-b"), func(s *terraform.State) error {
					want := s.RootModule().Resources[encAddr].Primary.Attributes["sha256"]
					loaded, err := rewrite.LoadedEncryptionConfigs(ctx, cp.Clientset.CoreV1().RESTClient())
					if err != nil {
						return err
					}
					if len(loaded) != 1 || loaded[0] != want {
						return fmt.Errorf("the API server reports configurations %v, want %s", loaded, want)
					}
					if pluginB.Encrypts() == 0 {
						return fmt.Errorf("kms-b's plugin was never asked to encrypt")
					}
					return nil
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kubeharden_storage_rewrite.this", tfjsonpath.New("rewritten"), knownvalue.Int64Exact(int64(len(secrets)))),
					statecheck.ExpectKnownValue("kubeharden_storage_rewrite.this", tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				},
			},
			{
				// The file edited on disk: drift, repaired by apply. The rewrite
				// is not run again (its sha256 is the planned one, unchanged).
				PreConfig: func() {
					f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					_, _ = f.WriteString("# edited on the control plane node\n")
					_ = f.Close()
				},
				Config: encRotated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectNonEmptyPlan(),
					plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("kubeharden_storage_rewrite.this", plancheck.ResourceActionNoop),
				}},
				Check: checkFileMatchesState(cfgPath),
			},
			{
				// The file removed: drift, written again by apply.
				PreConfig: func() {
					if err := os.Remove(cfgPath); err != nil {
						t.Fatal(err)
					}
				},
				Config: encRotated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectNonEmptyPlan(),
					plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("kubeharden_storage_rewrite.this", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(checkFileMatchesState(cfgPath), func(*terraform.State) error {
					// A Secret written now is encrypted by the new first provider.
					s := testSecret{"enc-two", "after-rotation", "plaintext-" + hex.EncodeToString(random) + "-4"}
					sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns}, Data: map[string][]byte{"value": []byte(s.value)}}
					if _, err := cp.Clientset.CoreV1().Secrets(s.ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
						return err
					}
					secrets = append(secrets, s)
					return checkStored("kms-b")(nil)
				}),
			},
			{
				ResourceName:      encAddr,
				ImportState:       true,
				ImportStateId:     cfgPath,
				ImportStateVerify: true,
			},
		},
	})
	if !t.Failed() {
		rotateWithModule(t, cp, cfgPath, pluginB, func(provider string) error { return checkStored(provider)(nil) })
	}
	if t.Failed() && cp != nil {
		t.Logf("kube-apiserver log:\n%s", cp.LogTail(40))
	}
}

// rotateWithModule is the last part of the end-to-end test: the same
// rotation, by examples/modules/self-managed-control-plane-hardening
// through the real CLI (terraform-plugin-testing cannot read a child
// module's state). The API server keeps the kms-b configuration it loaded
// last, and its file is gone (destroyed). The module writes kms-c first,
// kms-b to decrypt; its rewrite waits for the reload and re-encrypts every
// Secret with kms-c; its outputs are what the API server runs and what
// cloud-init would write.
func rotateWithModule(t *testing.T, cp *acctest.ControlPlane, cfgPath string, pluginB *acctest.KMSPlugin, checkStored func(provider string) error) {
	t.Helper()
	ctx := context.Background()
	pluginC, err := acctest.StartKMSPlugin(ctx, "key-c-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pluginC.Stop)
	cli := newTerraformCLI(t)
	cli.WriteConfig(cp.ProviderConfig() + fmt.Sprintf(`
module "hardening" {
  source = %q
  path   = %q
  kms = [
    { name = "kms-c", endpoint = %q },
    { name = "kms-b", endpoint = %q },
  ]
}

output "cloud_init" {
  value = module.hardening.cloud_init
}

output "sha256" {
  value = module.hardening.sha256
}

output "kube_apiserver_flags" {
  value = module.hardening.kube_apiserver_flags
}

output "rewritten" {
  value = module.hardening.rewritten
}
`, moduleSource(t, "self-managed-control-plane-hardening"), cfgPath, pluginC.Endpoint, pluginB.Endpoint))
	cli.MustRun("get", "-no-color")
	cli.MustRun("apply", "-auto-approve", "-no-color")
	t.Cleanup(func() { cli.MustRun("destroy", "-auto-approve", "-no-color") })

	var out map[string]struct{ Value any }
	if err := json.Unmarshal([]byte(cli.MustRun("output", "-json")), &out); err != nil {
		t.Fatal(err)
	}
	if err := checkStored("kms-c"); err != nil {
		t.Fatal(err)
	}
	if pluginC.Encrypts() == 0 {
		t.Error("kms-c's plugin was never asked to encrypt")
	}
	loaded, err := rewrite.LoadedEncryptionConfigs(ctx, cp.Clientset.CoreV1().RESTClient())
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 1 || loaded[0] != out["sha256"].Value {
		t.Errorf("the API server reports configurations %v, the module's sha256 output is %v", loaded, out["sha256"].Value)
	}
	onDisk, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	wantCloudInit := map[string]any{"path": cfgPath, "content": string(onDisk), "permissions": "0600", "owner": "root:root"}
	if !reflect.DeepEqual(out["cloud_init"].Value, wantCloudInit) {
		t.Errorf("cloud_init output %#v, want %#v", out["cloud_init"].Value, wantCloudInit)
	}
	wantFlags := []any{"--encryption-provider-config=" + cfgPath, "--encryption-provider-config-automatic-reload=true"}
	if !reflect.DeepEqual(out["kube_apiserver_flags"].Value, wantFlags) {
		t.Errorf("kube_apiserver_flags output %#v, want %#v", out["kube_apiserver_flags"].Value, wantFlags)
	}
	if out["rewritten"].Value != float64(4) {
		t.Errorf("rewritten output %v, want the 4 Secrets", out["rewritten"].Value)
	}
	if _, _, code := cli.Run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Errorf("the plan after the module's apply is not empty (exit %d)", code)
	}
}
