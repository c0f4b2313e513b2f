package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	container "google.golang.org/api/container/v1"
	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/rewrite"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

// examplesDir is the repository's examples/, from this package's folder.
const examplesDir = "../../examples"

// readExample returns a file under examples/, named by its path parts: the
// one loader of the documentation's examples.
func readExample(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{examplesDir}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sub is a substitution the table makes in an example: a stand-in for what
// the local environment names differently (a unique cluster name, a file in
// a temporary folder). Its pattern must match, so that an example that
// changes fails the test naming the substitution, rather than silently
// testing something else.
type sub struct {
	re   *regexp.Regexp
	with string
}

// lit substitutes the literal text old.
func lit(old, with string) sub { return sub{regexp.MustCompile(regexp.QuoteMeta(old)), with} }

func applySubs(t *testing.T, what, text string, subs []sub) string {
	t.Helper()
	for _, s := range subs {
		if !s.re.MatchString(text) {
			t.Fatalf("%s no longer contains %q: update the examples table", what, s.re)
		}
		text = s.re.ReplaceAllLiteralString(text, s.with)
	}
	return text
}

// expectChecks is a plan check on the results of the configuration's check
// blocks. Terraform reports a failed assertion only as a warning, which
// terraform-plugin-testing ignores, so without it a step passes whatever the
// assertions say. Every check block must be in the plan's results with the
// status that status gives its address ("check.<name>"), or "pass"; each
// of messages must be in a failed assertion's message.
type expectChecks struct {
	status   map[string]string
	messages []string
}

func (e expectChecks) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var errs []error
	found := map[string]bool{}
	var problems []string
	for _, c := range req.Plan.Checks {
		if c.Address.Kind != "check" {
			continue
		}
		addr := c.Address.ToDisplay
		found[addr] = true
		var msgs []string
		for _, in := range c.Instances {
			for _, p := range in.Problems {
				msgs = append(msgs, p.Message)
			}
		}
		problems = append(problems, msgs...)
		want := e.status[addr]
		if want == "" {
			want = "pass"
		}
		if string(c.Status) != want {
			errs = append(errs, fmt.Errorf("%s: %s, want %s; its failed assertions say: %q", addr, c.Status, want, msgs))
		}
	}
	if len(found) == 0 {
		errs = append(errs, errors.New("the plan reports no check block results"))
	}
	for addr := range e.status {
		if !found[addr] {
			errs = append(errs, fmt.Errorf("%s is not among the plan's check results", addr))
		}
	}
	for _, m := range e.messages {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, m) }) {
			errs = append(errs, fmt.Errorf("no failed assertion says %q; they say: %q", m, problems))
		}
	}
	resp.Error = errors.Join(errs...)
}

// checkBlockRE finds a check block in an example.
var checkBlockRE = regexp.MustCompile(`(?m)^check\s+"`)

// exampleRun is what running one example needs and asserts. The table
// always asserts that the plan and the apply succeed, that the next plan
// is empty, that every check block passes (unless checkStatus says
// otherwise), and, when the example's folder has an import.sh, that its
// `terraform import` command imports what the apply created.
type exampleRun struct {
	// provider is the provider block(s); empty when the example has its own.
	provider string
	// extra is configuration the example refers to but does not declare.
	extra string
	// subs are made in the example; idSubs in the import ID of import.sh.
	subs, idSubs []sub
	// planOnly: the example is only planned (it configures providers only).
	planOnly     bool
	stateChecks  []statecheck.StateCheck
	check        resource.TestCheckFunc
	checkStatus  map[string]string
	checkDestroy resource.TestCheckFunc
	// importIgnore are attributes an import cannot read back (besides timeouts).
	importIgnore []string
	// importBlock imports with an import block and an empty plan instead of
	// the import command, whose state terraform-plugin-testing cannot read
	// when an output of the example is null without the other resources.
	importBlock bool
	// minTerraform gates an example of a newer Terraform feature
	// (tfversion.SkipBelow): identity, list resources, actions.
	minTerraform string
	// queryChecks are the checks of a .tfquery.hcl example, which runs as
	// a `terraform query` step.
	queryChecks []querycheck.QueryResultCheck
}

// exampleCase is the table's entry for one file: either run, which prepares
// what the example needs in the local environment, or elsewhere, the test
// that runs the file instead.
type exampleCase struct {
	run       func(t *testing.T, env *examplesEnv) exampleRun
	elsewhere struct{ file, test string }
}

// examplesEnv is the environment of TestAccExamples. The examples name
// fixed namespaces and cluster-wide objects (a seccomp default for every
// namespace, an encryption configuration), so they run one after the other
// on a control plane of their own rather than on the shared one; moto and
// the fake GKE are the shared ones, with unique names.
type examplesEnv struct {
	parent *testing.T
	once   sync.Once
	err    error
	cp     *acctest.ControlPlane
	// encPath is the EncryptionConfiguration the API server reads, and
	// reloads when it changes; kms are the plugins the examples' providers
	// stand for (kms-2026, kms-2025).
	encPath string
	kms     [2]*acctest.KMSPlugin
}

// initialEncryptionConfig is what the API server starts with: the examples
// write their own configuration in its place, and it reloads it.
const initialEncryptionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ["secrets"]
    providers:
      - identity: {}
`

// controlPlane starts the examples' control plane on first use.
func (e *examplesEnv) controlPlane(t *testing.T) *acctest.ControlPlane {
	t.Helper()
	e.once.Do(func() { e.err = e.start() })
	if e.err != nil {
		t.Fatal(e.err)
	}
	return e.cp
}

func (e *examplesEnv) start() error {
	ctx := context.Background()
	for i, key := range []string{"key-2026", "key-2025"} {
		p, err := acctest.StartKMSPlugin(ctx, key)
		if err != nil {
			return err
		}
		e.parent.Cleanup(p.Stop)
		e.kms[i] = p
	}
	// A short folder: kube-apiserver's flags name files in it.
	dir, err := acctest.TempDir("kubeharden-examples-")
	if err != nil {
		return err
	}
	e.parent.Cleanup(func() { _ = os.RemoveAll(dir) })
	e.encPath = filepath.Join(dir, "enc", "encryption-config.yaml")
	if err := os.MkdirAll(filepath.Dir(e.encPath), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(e.encPath, []byte(initialEncryptionConfig), 0o600); err != nil {
		return err
	}
	e.cp, err = acctest.StartControlPlane(ctx, acctest.Options{Dir: filepath.Join(dir, "cp"), Logf: e.parent.Logf, ExtraAPIServerArgs: []string{
		"--encryption-provider-config=" + e.encPath,
		"--encryption-provider-config-automatic-reload=true",
	}})
	if err != nil {
		return err
	}
	e.parent.Cleanup(e.cp.Stop)
	return nil
}

// freeEncryptionConfig removes the file the API server reads, so that an
// example writes it anew (kubeharden_encryption_config refuses to write over
// another configuration). The API server keeps what it loaded last, and
// loads the example's file when it appears.
func (e *examplesEnv) freeEncryptionConfig(t *testing.T) {
	t.Helper()
	if err := os.Remove(e.encPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

// examplesNamespaces creates namespaces an example names (existing ones are kept).
func examplesNamespaces(t *testing.T, cp *acctest.ControlPlane, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := cp.CreateNamespace(context.Background(), n, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// eksExampleCluster passes every assertion of the EKS data source example:
// a supported version, Secrets encrypted, containerd only.
func eksExampleCluster(m *acctest.Moto) eksFixture {
	return eksFixture{version: "1.31", keyARN: m.KeyARN(keyID1), nodegroups: []eksNodegroupFixture{
		{"ng", "1.31", "1.31.0-20241011", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
	}}
}

func gkeExampleCluster(s interface {
	AddCluster(project, location string, c *container.Cluster)
}) {
	s.AddCluster("my-project", "europe-west1", &container.Cluster{
		Name: "prod", CurrentMasterVersion: "1.36.3-gke.1200000",
		NodePools: []*container.NodePool{pool("default-pool", "1.36.3-gke.1200000", "COS_CONTAINERD")},
	})
}

func notNull(addr, attr string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.NotNull())
}

// moduleTests names a test of the pod-security-baseline module, in
// internal/provider (a path from examples/).
func moduleTests(test string) struct{ file, test string } {
	return struct{ file, test string }{"../internal/provider/module_pod_security_baseline_test.go", test}
}

// e2eTest runs the self-managed-control-plane-hardening module in its last part.
var e2eTest = struct{ file, test string }{"../internal/provider/encryption_e2e_test.go", "TestAccEncryptionConfig_kmsV2EndToEnd"}

// exampleTable has an entry for every .tf and .tfquery.hcl file under
// examples/, by its path there. TestAccExamples fails for a file without one.
var exampleTable = map[string]exampleCase{
	"functions/pod_security_labels/function.tf": {run: func(*testing.T, *examplesEnv) exampleRun {
		return exampleRun{stateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("team_b_labels", knownvalue.MapExact(map[string]knownvalue.Check{
				"team":                               knownvalue.StringExact("b"),
				"pod-security.kubernetes.io/enforce": knownvalue.StringExact("baseline"),
				"pod-security.kubernetes.io/enforce-version": knownvalue.StringExact("latest"),
				"pod-security.kubernetes.io/audit":           knownvalue.StringExact("restricted"),
				"pod-security.kubernetes.io/audit-version":   knownvalue.StringExact("latest"),
				"pod-security.kubernetes.io/warn":            knownvalue.StringExact("restricted"),
				"pod-security.kubernetes.io/warn-version":    knownvalue.StringExact("v1.36"),
			})),
		}}
	}},

	"functions/container_runtime/function.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		ctx := context.Background()
		node, err := cp.Clientset.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "functions-node"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cp.Clientset.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{})
		})
		node.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.36.3", ContainerRuntimeVersion: "containerd://2.1.1", OSImage: "Ubuntu 24.04"}
		if _, err := cp.Clientset.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		return exampleRun{provider: cp.ProviderConfig(), stateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("node_runtimes", knownvalue.MapPartial(map[string]knownvalue.Check{
				"functions-node": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("containerd"), "version": knownvalue.StringExact("2.1.1"), "major": knownvalue.Int64Exact(2),
				}),
			})),
		}}
	}},

	"data-sources/kubeharden_cluster/data-source.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		// A node on containerd 2, as a kubelet would report it: the check
		// block wants every node off Docker.
		ctx := context.Background()
		node, err := cp.Clientset.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "examples-node"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cp.Clientset.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{})
		})
		node.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.36.3", ContainerRuntimeVersion: "containerd://2.0.4", OSImage: "Bottlerocket OS 1.36.0"}
		if _, err := cp.Clientset.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		ds := "data.kubeharden_cluster.this"
		return exampleRun{provider: cp.ProviderConfig(), stateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("minor"), knownvalue.StringExact("36")),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
			statecheck.ExpectKnownOutputValue("kubernetes_version", knownvalue.StringRegexp(regexp.MustCompile(`^v1\.36\.\d+$`))),
			statecheck.ExpectKnownOutputValue("container_runtimes", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("containerd")})),
		}}
	}},

	"data-sources/kubeharden_aks_cluster/data-source.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		s := startFakeARM(t)
		// Passes every assertion of the example: a supported version,
		// containerd only, Secrets encrypted with a Key Vault key.
		s.AddCluster(aksTestSub, "rg-prod", armcontainerservice.ManagedCluster{
			Name: to.Ptr("prod"),
			Properties: &armcontainerservice.ManagedClusterProperties{
				KubernetesVersion: to.Ptr("1.33.2"),
				SecurityProfile: &armcontainerservice.ManagedClusterSecurityProfile{AzureKeyVaultKms: &armcontainerservice.AzureKeyVaultKms{
					Enabled: to.Ptr(true), KeyID: to.Ptr("https://kv-prod.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef"),
					KeyVaultNetworkAccess: to.Ptr(armcontainerservice.KeyVaultNetworkAccessTypesPublic),
				}},
				AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{
					aksPool("system", armcontainerservice.AgentPoolModeSystem, armcontainerservice.OSTypeLinux, armcontainerservice.OSSKUAzureLinux, "1.33.2", "AKSAzureLinux-V3gen2-202507.21.0"),
				},
			},
		})
		return exampleRun{provider: aksProviderConfig(s, s.ClientSecret), stateChecks: []statecheck.StateCheck{
			notNull("data.kubeharden_aks_cluster.prod", "secrets_encryption"),
			statecheck.ExpectKnownOutputValue("prod_runtimes", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("containerd")})),
			statecheck.ExpectKnownOutputValue("prod_node_pools_on_docker", knownvalue.ListExact([]knownvalue.Check{})),
		}}
	}},

	"data-sources/kubeharden_eks_cluster/data-source.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		m := acctest.SharedMoto(t)
		name := acctest.UniqueName("eks-examples")
		createEKSCluster(t, m, name, eksExampleCluster(m))
		return exampleRun{
			provider: m.ProviderConfig(),
			subs:     []sub{lit(`name = "prod"`, fmt.Sprintf("name = %q", name))},
			stateChecks: []statecheck.StateCheck{
				notNull("data.kubeharden_eks_cluster.prod", "version"),
				notNull("data.kubeharden_eks_cluster.prod", "secrets_encryption"),
				statecheck.ExpectKnownOutputValue("prod_runtimes", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("containerd")})),
				statecheck.ExpectKnownOutputValue("prod_node_groups_on_docker", knownvalue.ListExact([]knownvalue.Check{})),
			},
		}
	}},

	"data-sources/kubeharden_gke_cluster/data-source.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		s := startFakeGKE(t)
		gkeExampleCluster(s)
		return exampleRun{provider: gkeProviderConfig(s, ""), stateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.prod", tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
			statecheck.ExpectKnownOutputValue("control_plane_version", knownvalue.StringExact("1.36.3-gke.1200000")),
			statecheck.ExpectKnownOutputValue("secrets_encryption", knownvalue.NotNull()),
		}}
	}},

	"data-sources/kubeharden_pod_security_violations/data-source.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		examplesNamespaces(t, cp, "team-a")
		ds := "data.kubeharden_pod_security_violations.team_a"
		return exampleRun{provider: cp.ProviderConfig(), stateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{})),
		}}
	}},

	// A namespace that enforces baseline and has one pod that breaks
	// restricted; "default" enforces nothing, so the audit fails naming it.
	"data-sources/kubeharden_namespaces/data-source.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		examplesNamespaces(t, cp, "examples-nsds")
		createPods(t, cp, "examples-nsds", plainPod("web"))
		labelNamespace(t, cp, "examples-nsds", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"})
		t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), "examples-nsds") })
		return exampleRun{
			provider:    cp.ProviderConfig(),
			checkStatus: map[string]string{"check.every_namespace_enforces_baseline": "fail"},
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("enforce_levels", knownvalue.MapPartial(map[string]knownvalue.Check{
					"examples-nsds": knownvalue.StringExact("baseline"),
					"default":       knownvalue.StringExact("none"),
				})),
				statecheck.ExpectKnownValue("data.kubeharden_namespaces.all", tfjsonpath.New("namespaces").AtMapKey("examples-nsds").AtMapKey("violations").AtMapKey("restricted"),
					knownvalue.Int64Exact(1)),
			},
		}
	}},

	// The modules are called through the real CLI by their own tests
	// (terraform-plugin-testing cannot read a child module's state).
	"modules/pod-security-baseline/main.tf":                     {elsewhere: moduleTests("TestAccModulePodSecurityBaseline_defaults")},
	"modules/pod-security-baseline/variables.tf":                {elsewhere: moduleTests("TestAccModulePodSecurityBaseline_badInputs")},
	"modules/pod-security-baseline/outputs.tf":                  {elsewhere: moduleTests("TestAccModulePodSecurityBaseline_overrides")},
	"modules/pod-security-baseline/versions.tf":                 {elsewhere: moduleTests("TestAccModulePodSecurityBaseline_defaults")},
	"modules/self-managed-control-plane-hardening/main.tf":      {elsewhere: e2eTest},
	"modules/self-managed-control-plane-hardening/variables.tf": {elsewhere: e2eTest},
	"modules/self-managed-control-plane-hardening/outputs.tf":   {elsewhere: e2eTest},
	"modules/self-managed-control-plane-hardening/versions.tf":  {elsewhere: e2eTest},

	// make demo runs it on a control plane of its own, with moto, and so
	// does its Go test.
	"demo/main.tf": {elsewhere: struct{ file, test string }{"demo/demo_test.go", "TestDemoScript"}},

	// Provider blocks only, one of them fed by an aws_eks_cluster that a
	// terraform_data stands for (hashicorp/aws cannot be installed here):
	// its values are unknown at plan time, which must not fail the plan.
	// Terraform leaves a provider block that nothing uses alone, so each
	// gets a resource that makes no API call, and the plan validates and
	// configures all four.
	"provider/provider.tf": {run: func(*testing.T, *examplesEnv) exampleRun {
		uses := ""
		for _, alias := range []string{"", "eks", "gke", "aks"} {
			meta, name := "", "default"
			if alias != "" {
				meta, name = "provider = kubeharden."+alias+"\n  ", alias
			}
			uses += fmt.Sprintf("\nresource \"kubeharden_encryption_config\" %q {\n  %skms = [{ name = \"k\", endpoint = \"unix:///k.sock\" }]\n}\n", name, meta)
		}
		return exampleRun{
			planOnly: true,
			subs:     []sub{{regexp.MustCompile(`\baws_eks_cluster\.prod\.`), "terraform_data.aws_eks_cluster_prod.output."}},
			extra: uses + `
resource "terraform_data" "aws_eks_cluster_prod" {
  input = {
    name                  = "prod"
    endpoint              = "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
    certificate_authority = [{ data = base64encode("not a real CA") }]
  }
}
`,
		}
	}},

	"resources/kubeharden_eks_secrets_encryption/resource.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		m := acctest.SharedMoto(t)
		name := acctest.UniqueName("eks-examples-enc")
		createEKSCluster(t, m, name, eksFixture{version: "1.31"})
		key := m.KeyARN(keyID1)
		addr := "kubeharden_eks_secrets_encryption.prod"
		return exampleRun{
			provider: m.ProviderConfig(),
			subs: []sub{
				// hashicorp/aws cannot be installed here: a terraform_data
				// stands for the key, its ARN unknown until apply as the
				// key's is.
				{regexp.MustCompile(`(?s)resource "aws_kms_key" "eks_secrets" \{.*?\n\}\n`),
					fmt.Sprintf("resource \"terraform_data\" \"eks_secrets\" {\n  input = %q\n}\n", key)},
				lit("aws_kms_key.eks_secrets.arn", "terraform_data.eks_secrets.output"),
				lit(`cluster_name = "prod"`, fmt.Sprintf("cluster_name = %q", name)),
			},
			idSubs: []sub{{regexp.MustCompile(`^prod$`), name}},
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("key_arn"), knownvalue.StringExact(key)),
			},
			check: checkClusterKey(m, name, key),
			// Destroy only forgets: EKS cannot turn the encryption off.
			checkDestroy: checkClusterKey(m, name, key),
		}
	}},

	"resources/kubeharden_encryption_config/resource.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		env.freeEncryptionConfig(t)
		file := "/etc/kubernetes/enc/encryption-config.yaml"
		return exampleRun{
			provider: cp.ProviderConfig(),
			subs: []sub{
				lit(file, env.encPath),
				lit("unix:///var/run/kmsplugin/kms-2026.sock", env.kms[0].Endpoint),
				lit("unix:///var/run/kmsplugin/kms-2025.sock", env.kms[1].Endpoint),
			},
			idSubs:      []sub{lit(file, env.encPath)},
			importBlock: true, // the output encryption_config_yaml needs the resource "rendered"
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("kubeharden_storage_rewrite.after_rotation", tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownOutputValue("encryption_config_yaml", knownvalue.StringRegexp(regexp.MustCompile(`kind: EncryptionConfiguration`))),
			},
			check: resource.ComposeTestCheckFunc(checkFileMatchesState(env.encPath), apiServerLoaded(cp, encAddr)),
			checkDestroy: func(*terraform.State) error {
				if _, err := os.Stat(env.encPath); !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%s still exists after destroy (%w)", env.encPath, err)
				}
				return nil
			},
		}
	}},

	"resources/kubeharden_aks_secrets_encryption/resource.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		s := startFakeARM(t)
		addAKSCluster(s, "prod", "")
		key := "https://kv-prod.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef"
		return exampleRun{
			provider: aksProviderConfig(s, s.ClientSecret),
			idSubs:   []sub{lit("00000000-0000-0000-0000-000000000000", aksTestSub)},
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("kubeharden_aks_secrets_encryption.prod", tfjsonpath.New("key_id"), knownvalue.StringExact(key)),
			},
			check:        checkFakeKMS(s, "prod", true, key),
			checkDestroy: checkFakeKMS(s, "prod", false, key),
		}
	}},

	"resources/kubeharden_gke_secrets_encryption/resource.tf": {run: func(t *testing.T, _ *examplesEnv) exampleRun {
		s := startFakeGKE(t)
		gkeExampleCluster(s)
		return exampleRun{
			provider: gkeProviderConfig(s, ""),
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("kubeharden_gke_secrets_encryption.prod", tfjsonpath.New("key_name"),
					knownvalue.StringExact("projects/my-project/locations/europe-west1/keyRings/gke/cryptoKeys/secrets")),
			},
			checkDestroy: checkDecryptedAt(s, "my-project", "europe-west1", "prod"),
		}
	}},

	"resources/kubeharden_namespace_pod_security/resource.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		examplesNamespaces(t, cp, "team-a", "team-b")
		return exampleRun{
			provider: cp.ProviderConfig(),
			// A plan-time setting, not on the cluster: an import reads the default.
			importIgnore: []string{"on_violation"},
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("kubeharden_namespace_pod_security.team_a", tfjsonpath.New("enforce"), modeValue("baseline", "v1.36")),
				statecheck.ExpectKnownValue("kubeharden_namespace_pod_security.team_b", tfjsonpath.New("enforce"), modeValue("restricted", "latest")),
			},
			check: resource.ComposeTestCheckFunc(
				expectLabels(cp, "team-a", map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.36",
					"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, nil),
				expectLabels(cp, "team-b", map[string]string{
					"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest",
				}, nil),
			),
			checkDestroy: resource.ComposeTestCheckFunc(expectLabels(cp, "team-a", nil, nil), expectLabels(cp, "team-b", nil, nil)),
		}
	}},

	"resources/kubeharden_seccomp_default/resource.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		examplesNamespaces(t, cp, "team-a")
		// The default the example adopts with an import block, as an
		// earlier apply made it.
		audit := seccomp.Spec{Name: "audit", Profile: seccomp.Profile{Type: "RuntimeDefault"}, FailurePolicy: "Ignore",
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{"seccomp": "audit"}}, ExcludeNamespaces: []string{"kube-system"}}
		cl := seccomp.Client{Clientset: cp.Clientset, APIVersion: seccomp.APIVersionV1}
		ctx := context.Background()
		if err := cl.ApplyPolicy(ctx, seccomp.Policy(audit)); err != nil {
			t.Fatal(err)
		}
		if err := cl.ApplyBinding(ctx, seccomp.Binding(audit)); err != nil {
			t.Fatal(err)
		}
		names := []string{"runtime-default", "payments", "audit"}
		stateChecks := []statecheck.StateCheck{
			statecheck.ExpectKnownValue("kubeharden_namespace_pod_security.team_a", tfjsonpath.New("enforce"), modeValue("restricted", "latest")),
		}
		for _, n := range names {
			addr := "kubeharden_seccomp_default." + strings.ReplaceAll(n, "-", "_")
			stateChecks = append(stateChecks, statecheck.ExpectKnownValue(addr, tfjsonpath.New("binding_name"), knownvalue.StringExact(seccomp.ObjectName(n))))
		}
		return exampleRun{
			provider:    cp.ProviderConfig(),
			stateChecks: stateChecks,
			check: seccompLive(cp.Clientset, "payments", func(p *admv1.MutatingAdmissionPolicy, _ *admv1.MutatingAdmissionPolicyBinding) error {
				for _, m := range p.Spec.Mutations {
					if m.ApplyConfiguration != nil && strings.Contains(m.ApplyConfiguration.Expression, "profiles/payments.json") {
						return nil
					}
				}
				return fmt.Errorf("the payments policy does not set the Localhost profile: %+v", p.Spec.Mutations)
			}),
			checkDestroy: func(*terraform.State) error {
				var errs []error
				for _, n := range names {
					errs = append(errs, seccompGone(cp.Clientset, n))
				}
				return errors.Join(errs...)
			},
		}
	}},

	"resources/kubeharden_namespace_pod_security/import-by-identity.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		examplesNamespaces(t, cp, "team-a")
		return exampleRun{
			minTerraform: "1.12.0",
			provider:     cp.ProviderConfig(),
			// The resource the import block adopts.
			extra: `
resource "kubeharden_namespace_pod_security" "team_a" {
  namespace = "team-a"
  enforce   = { level = "baseline" }
}
`,
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("kubeharden_namespace_pod_security.team_a", map[string]knownvalue.Check{"namespace": knownvalue.StringExact("team-a")}),
			},
			check: expectLabels(cp, "team-a", map[string]string{
				"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
			}, nil),
			checkDestroy: expectLabels(cp, "team-a", nil, nil),
		}
	}},

	"list-resources/kubeharden_namespace_pod_security/list-resource.tfquery.hcl": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		ctx := context.Background()
		for name, labels := range map[string]map[string]string{
			"payments-api": {"team": "payments"},
			"search-index": {"team": "search"},
			"search-web":   {"team": "search", "pod-security.kubernetes.io/enforce": "baseline"},
		} {
			if err := cp.CreateNamespace(ctx, name, labels); err != nil {
				t.Fatal(err)
			}
		}
		ident := func(ns string) map[string]knownvalue.Check {
			return map[string]knownvalue.Check{"namespace": knownvalue.StringExact(ns)}
		}
		return exampleRun{
			minTerraform: "1.14.0",
			provider:     cp.ProviderConfig(),
			queryChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectIdentity("kubeharden_namespace_pod_security.all", ident("default")),
				querycheck.ExpectIdentity("kubeharden_namespace_pod_security.all", ident("search-web")),
				querycheck.ExpectLength("kubeharden_namespace_pod_security.unrestricted", 2),
				querycheck.ExpectIdentity("kubeharden_namespace_pod_security.unrestricted", ident("payments-api")),
				querycheck.ExpectIdentity("kubeharden_namespace_pod_security.unrestricted", ident("search-index")),
			},
		}
	}},

	"actions/kubeharden_storage_rewrite/action.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		env.freeEncryptionConfig(t)
		ctx := context.Background()
		examplesNamespaces(t, cp, "examples-action")
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "before-the-action", Namespace: "examples-action"}, StringData: map[string]string{"k": "v"}}
		if _, err := cp.Clientset.CoreV1().Secrets("examples-action").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		return exampleRun{
			minTerraform: "1.16.0", // caller
			provider:     cp.ProviderConfig(),
			subs: []sub{
				lit("/etc/kubernetes/enc/encryption-config.yaml", env.encPath),
				lit("unix:///var/run/kmsplugin/kms-2026.sock", env.kms[0].Endpoint),
			},
			// The action waited for the configuration and ran: the API
			// server has it, and a Secret created before is stored with kms-2026.
			check: resource.ComposeTestCheckFunc(apiServerLoaded(cp, encAddr), func(*terraform.State) error {
				raw, err := etcdRaw(ctx, cp.EtcdEndpoint, "/registry/secrets/examples-action/before-the-action")
				if err != nil {
					return err
				}
				if !strings.HasPrefix(string(raw), "k8s:enc:kms:v2:kms-2026:") {
					return fmt.Errorf("the Secret is stored as %q..., not with kms-2026", raw[:min(len(raw), 30)])
				}
				return nil
			}),
		}
	}},

	"resources/kubeharden_storage_rewrite/resource.tf": {run: func(t *testing.T, env *examplesEnv) exampleRun {
		cp := env.controlPlane(t)
		env.freeEncryptionConfig(t)
		return exampleRun{
			provider: cp.ProviderConfig(),
			// The configuration the example waits for: kube-apiserver reads
			// this file.
			extra: fmt.Sprintf(`
resource "kubeharden_encryption_config" "this" {
  path              = %q
  resources         = ["secrets", "configmaps"]
  kms               = [{ name = "kms-2026", endpoint = %q }]
  identity_fallback = true
}
`, env.encPath, env.kms[0].Endpoint),
			stateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("kubeharden_storage_rewrite.after_rotation", tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownOutputValue("rewritten_secrets", knownvalue.NotNull()),
			},
			check: apiServerLoaded(cp, encAddr),
		}
	}},
}

// apiServerLoaded checks that kube-apiserver reports the encryption
// configuration of the resource at addr as loaded.
func apiServerLoaded(cp *acctest.ControlPlane, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		want := s.RootModule().Resources[addr].Primary.Attributes["sha256"]
		loaded, err := rewrite.LoadedEncryptionConfigs(context.Background(), cp.Clientset.CoreV1().RESTClient())
		if err != nil {
			return err
		}
		if !slices.Contains(loaded, want) {
			return fmt.Errorf("the API server reports the configurations %v as loaded, want %s", loaded, want)
		}
		return nil
	}
}

// exampleFiles lists the .tf and .tfquery.hcl files under examples/, as
// paths relative to it.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(examplesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".tf" && !strings.HasSuffix(p, ".tfquery.hcl")) {
			return err
		}
		rel, err := filepath.Rel(examplesDir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// exampleImport reads the import.sh beside an example, if any: the address
// and ID of its `terraform import` command.
func exampleImport(t *testing.T, rel string) (addr, id string, ok bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, filepath.FromSlash(path.Dir(rel)), "import.sh"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "terraform" && f[1] == "import" {
			return f[2], f[3], true
		}
	}
	t.Fatalf("%s/import.sh has no `terraform import ADDRESS ID` line", path.Dir(rel))
	return "", "", false
}

// TestAccExamples runs every .tf file under examples/ against the local
// environment, with a provider block the test supplies: plan and apply
// succeed, the next plan is empty, every check block passes, the entry's
// own assertions hold, and the import command of import.sh, where there is
// one, imports what the apply made. A file without an entry in exampleTable
// fails the test.
func TestAccExamples(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	files := exampleFiles(t)
	for rel := range exampleTable {
		if !slices.Contains(files, rel) {
			t.Errorf("exampleTable has an entry for examples/%s, which does not exist", rel)
		}
	}
	env := &examplesEnv{parent: t}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			c, ok := exampleTable[rel]
			if !ok {
				t.Fatalf("examples/%s has no entry in exampleTable: add one saying what it needs and what to assert", rel)
			}
			if c.elsewhere.test != "" {
				src := readExample(t, filepath.FromSlash(c.elsewhere.file))
				if !strings.Contains(src, "func "+c.elsewhere.test+"(") {
					t.Fatalf("examples/%s is said to be run by %s in examples/%s, which has no such test", rel, c.elsewhere.test, c.elsewhere.file)
				}
				t.Skipf("run by %s (examples/%s)", c.elsewhere.test, c.elsewhere.file)
			}
			runExample(t, rel, c.run(t, env))
		})
	}
}

func runExample(t *testing.T, rel string, r exampleRun) {
	t.Helper()
	example := applySubs(t, "examples/"+rel, readExample(t, filepath.FromSlash(rel)), r.subs)
	config := r.provider + r.extra + example
	var versions []tfversion.TerraformVersionCheck
	if r.minTerraform != "" {
		versions = append(versions, tfversion.SkipBelow(version.Must(version.NewVersion(r.minTerraform))))
	}
	if strings.HasSuffix(rel, ".tfquery.hcl") {
		resource.Test(t, resource.TestCase{
			TerraformVersionChecks:   versions,
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps:                    []resource.TestStep{{Query: true, Config: config, QueryResultChecks: r.queryChecks}},
		})
		return
	}
	step := resource.TestStep{Config: config, ConfigStateChecks: r.stateChecks, Check: r.check}
	if r.planOnly {
		step.PlanOnly, step.ExpectNonEmptyPlan = true, true
	} else {
		step.ConfigPlanChecks.PostApplyPostRefresh = []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
		if checkBlockRE.MatchString(example) {
			step.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{expectChecks{status: r.checkStatus}}
		}
	}
	steps := []resource.TestStep{step}
	if addr, id, ok := exampleImport(t, rel); ok {
		imp := resource.TestStep{
			Config:        config,
			ResourceName:  addr,
			ImportState:   true,
			ImportStateId: applySubs(t, path.Dir(rel)+"/import.sh", id, r.idSubs),
		}
		if r.importBlock {
			imp.ImportStateKind = resource.ImportBlockWithID
		} else {
			imp.ImportStateVerify = true
			imp.ImportStateVerifyIgnore = append([]string{"timeouts"}, r.importIgnore...)
		}
		steps = append(steps, imp)
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   versions,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             r.checkDestroy,
		Steps:                    steps,
	})
}
