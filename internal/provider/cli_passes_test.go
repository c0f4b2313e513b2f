package provider

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// TestEveryTypeRunsOnEveryCLI holds the convention of tools/gotest.sh: the
// acceptance tests whose names match its every_cli pattern run on Terraform
// 1.11, Terraform 1.16 and OpenTofu 1.12, and every resource, data source and
// function must have one such test. The pattern is read from
// gotest.sh, so the script stays the one place that defines it.
func TestEveryTypeRunsOnEveryCLI(t *testing.T) {
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "tools", "gotest.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^every_cli='([^']+)'$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("tools/gotest.sh has no every_cli='...' line")
	}
	everyCLI, err := regexp.Compile(string(m[1]))
	if err != nil {
		t.Fatalf("every_cli in tools/gotest.sh: %v", err)
	}

	// The names of the tests of this package that run on every CLI.
	fset := token.NewFileSet()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && everyCLI.MatchString(fn.Name.Name) {
				tests[fn.Name.Name] = true
			}
		}
	}

	// Each type's tests are named TestAcc<Type>_<case>, <Type> the camel
	// case of its name: kubeharden_eks_cluster is EKSClusterDataSource.
	camel := func(typeName string) string {
		var b strings.Builder
		for _, w := range strings.Split(strings.TrimPrefix(typeName, "kubeharden_"), "_") {
			switch w {
			case "eks", "gke", "aks":
				b.WriteString(strings.ToUpper(w))
			default:
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
		return b.String()
	}
	ctx := context.Background()
	p := New("test")()
	want := map[string]string{} // test name prefix -> what it tests
	for _, r := range p.Resources(ctx) {
		var resp resource.MetadataResponse
		r().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "kubeharden"}, &resp)
		want["TestAcc"+camel(resp.TypeName)+"_"] = "resource " + resp.TypeName
	}
	for _, d := range p.DataSources(ctx) {
		var resp datasource.MetadataResponse
		d().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "kubeharden"}, &resp)
		want["TestAcc"+camel(resp.TypeName)+"DataSource_"] = "data source " + resp.TypeName
	}
	if pf, ok := p.(provider.ProviderWithFunctions); ok {
		for _, f := range pf.Functions(ctx) {
			var resp function.MetadataResponse
			f().Metadata(ctx, function.MetadataRequest{}, &resp)
			want["TestAcc"+camel(resp.Name)+"Function_"] = "function " + resp.Name
		}
	}
	prefixes := make([]string, 0, len(want))
	for prefix := range want {
		prefixes = append(prefixes, prefix)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		var found []string
		for test := range tests {
			if strings.HasPrefix(test, prefix) {
				found = append(found, test)
			}
		}
		sort.Strings(found)
		if len(found) == 0 {
			t.Errorf("%s has no acceptance test that runs on every CLI: name one %sbasic or %slifecycle (see tools/gotest.sh)", want[prefix], prefix, prefix)
		} else {
			t.Logf("%s: %s", want[prefix], strings.Join(found, ", "))
		}
	}
}

// TestAccProviderAddress_basic shows the one difference between the CLIs that
// a user of the provider sees: the same source, "kubeharden/kubeharden",
// means registry.terraform.io/kubeharden/kubeharden to Terraform and
// registry.opentofu.org/kubeharden/kubeharden to OpenTofu, and each CLI
// records its own address in the state. It runs the real CLI of the pass
// (TF_ACC_TERRAFORM_PATH, else terraform on PATH) with a provider built from
// this tree, a resource that needs no cluster and a provider function.
func TestAccProviderAddress_basic(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cli := newTerraformCLI(t)
	host := "registry.terraform.io"
	if strings.HasPrefix(cli.MustRun("version"), "OpenTofu") {
		host = "registry.opentofu.org"
	}
	cli.WriteConfig(`provider "kubeharden" {}
resource "kubeharden_encryption_config" "this" {
  kms = [{ name = "kms-a", endpoint = "unix:///var/run/kms/a.sock" }]
}
output "runtime" {
  value = provider::kubeharden::container_runtime("containerd://2.0.5").name
}
`)
	cli.MustRun("apply", "-auto-approve", "-no-color")
	raw, err := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Type     string `json:"type"`
			Provider string `json:"provider"`
		} `json:"resources"`
		Outputs map[string]struct {
			Value any `json:"value"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatalf("reading the state: %v", err)
	}
	want := `provider["` + host + `/kubeharden/kubeharden"]`
	if len(state.Resources) != 1 || state.Resources[0].Type != "kubeharden_encryption_config" || state.Resources[0].Provider != want {
		t.Errorf("the state's resources are %+v, want one kubeharden_encryption_config of %s", state.Resources, want)
	}
	if got := state.Outputs["runtime"].Value; got != "containerd" {
		t.Errorf("output runtime is %v, want containerd", got)
	}
	// Nothing changes on a second plan, and destroy removes it.
	if _, stderr, code := cli.Run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Errorf("the plan after apply exited %d, want 0 (no changes):\n%s", code, stderr)
	}
	cli.MustRun("destroy", "-auto-approve", "-no-color")
}
