package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// terraformCLI runs the real Terraform CLI, in a folder of its own, against
// a provider binary built from this tree (through dev_overrides, so no
// registry is needed). Tests use it where the in-process provider of
// terraform-plugin-testing cannot show what they check: the files Terraform
// writes, or a provider process that dies.
type terraformCLI struct {
	t *testing.T
	// Dir holds main.tf, the state and whatever the test writes.
	Dir string
	// Env is added to the environment of every run.
	Env       []string
	tfBin     string
	cliConfig string
	// PluginBin is the provider binary Terraform starts.
	PluginBin string
}

var providerBuild struct {
	once sync.Once
	dir  string
	err  error
}

// builtProvider builds the provider binary once per test binary, into a
// folder removed when the tests end.
func builtProvider(t *testing.T) string {
	t.Helper()
	providerBuild.once.Do(func() {
		root, err := acctest.RepoRoot()
		if err != nil {
			providerBuild.err = err
			return
		}
		// Shared by the tests of the package, so not t.TempDir().
		dir, err := acctest.TempDir("kubeharden-provider-")
		if err != nil {
			providerBuild.err = err
			return
		}
		acctest.OnExit(func() { _ = os.RemoveAll(dir) })
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-kubeharden"), ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			providerBuild.err = fmt.Errorf("building the provider: %w\n%s", err, out)
			return
		}
		providerBuild.dir = dir
	})
	if providerBuild.err != nil {
		t.Fatal(providerBuild.err)
	}
	return providerBuild.dir
}

// newTerraformCLI prepares a working folder and a CLI configuration that
// points kubeharden/kubeharden at the built provider, for the CLI that
// TF_ACC_TERRAFORM_PATH names, or else the terraform on PATH.
func newTerraformCLI(t *testing.T) *terraformCLI {
	t.Helper()
	return newTerraformCLIAt(t, terraformBin(t))
}

// terraformBin is the CLI binary the tests run: TF_ACC_TERRAFORM_PATH, or
// else the terraform on PATH.
func terraformBin(t *testing.T) string {
	t.Helper()
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		var err error
		if tfBin, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("the Terraform CLI is not on PATH: %v", err)
		}
	}
	return tfBin
}

// newTerraformCLIAt is newTerraformCLI for the CLI binary tfBin.
func newTerraformCLIAt(t *testing.T, tfBin string) *terraformCLI {
	t.Helper()
	pluginDir := builtProvider(t)
	work := t.TempDir()
	cliConfig := filepath.Join(work, ".terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"kubeharden/kubeharden\" = %q\n  }\n  direct {}\n}\n", pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	return &terraformCLI{t: t, Dir: work, tfBin: tfBin, cliConfig: cliConfig, PluginBin: filepath.Join(pluginDir, "terraform-provider-kubeharden")}
}

// WriteConfig writes main.tf: the required_providers block, then body.
func (c *terraformCLI) WriteConfig(body string) {
	c.t.Helper()
	config := "terraform {\n  required_providers {\n    kubeharden = { source = \"kubeharden/kubeharden\" }\n  }\n}\n" + body
	if err := os.WriteFile(filepath.Join(c.Dir, "main.tf"), []byte(config), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// WriteFile writes a file of the working folder, e.g. a .tfquery.hcl file.
func (c *terraformCLI) WriteFile(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.Dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// ReadFile returns a file of the working folder.
func (c *terraformCLI) ReadFile(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// cliVersion is the version of the CLI binary tfBin (`terraform version -json`).
func cliVersion(t *testing.T, tfBin string) *version.Version {
	t.Helper()
	out, err := exec.Command(tfBin, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", tfBin, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("reading %s version -json: %v", tfBin, err)
	}
	ver, err := version.NewVersion(v.Version)
	if err != nil {
		t.Fatalf("terraform version %q: %v", v.Version, err)
	}
	return ver
}

// skipCLIBelow skips the test, as tfversion.SkipBelow does for a TestCase,
// when the CLI tfBin is older than minVersion (a feature it lacks). Call it before
// newTerraformCLI, which builds the provider.
func skipCLIBelow(t *testing.T, tfBin, minVersion string) {
	t.Helper()
	var resp tfversion.CheckTerraformVersionResponse
	tfversion.SkipBelow(version.Must(version.NewVersion(minVersion))).CheckTerraformVersion(context.Background(),
		tfversion.CheckTerraformVersionRequest{TerraformVersion: cliVersion(t, tfBin)}, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	if resp.Skip != "" {
		t.Skip(resp.Skip)
	}
}

// Run runs terraform with args and returns its output and exit code.
func (c *terraformCLI) Run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	cmd := exec.Command(c.tfBin, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(cleanCLIEnv(), c.Env...)
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+c.cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		c.t.Fatalf("running terraform %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// MustRun runs terraform with args and fails the test unless it exits 0.
func (c *terraformCLI) MustRun(args ...string) string {
	c.t.Helper()
	stdout, stderr, code := c.Run(args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// KillProvider sends SIGKILL to every running process of the provider
// binary, as an OOM kill or a cancelled CI runner would, and returns how
// many it killed.
func (c *terraformCLI) KillProvider() int {
	killed := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != c.PluginBin {
			continue
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}

// cleanCLIEnv is the test's environment without any variable the provider
// or Terraform would read credentials or logging settings from.
func cleanCLIEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "KUBE_") || strings.HasPrefix(k, "TF_LOG") || strings.HasPrefix(k, "TF_VAR_") ||
			k == "TF_CLI_CONFIG_FILE" || k == "KUBECONFIG" || k == "TF_CLI_ARGS" || strings.HasPrefix(k, "TF_CLI_ARGS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
