// Package demo holds the configuration and script of `make demo`; its test
// runs the script the way CI does and checks what it shows.
package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoScript(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("the demo runs with TF_ACC=1 (make test)")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-kubeharden"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	cmd := exec.Command("bash", "demo.sh")
	cmd.Env = append(os.Environ(), "DEMO_CI=1", "KUBEHARDEN_PROVIDER_DIR="+dir, "KEEP=")
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("demo.sh failed: %v\n%s", err, text)
	}
	for _, want := range []string{
		`kubernetes_version = "v1.36.`,
		"Warning: Pods Would Violate The New Enforce Level",
		"- node-exporter: host namespaces",
		"- vpn-gateway: privileged",
		"dockershim_free = false",
		"spec.securityContext.seccompProfile.type = RuntimeDefault",
		`"legacy-al2" = "docker (Kubernetes 1.23, AL2_x86_64)"`,
		`"general-al2023" = "containerd (Kubernetes 1.31, AL2023_x86_64_STANDARD)"`,
		"eks_dockershim_free = false",
		`aks_version = "1.33.2"`,
		`"system" = "containerd (Kubernetes 1.33.2, Linux Ubuntu)"`,
		`"win22" = "containerd (Kubernetes 1.33.2, Windows Windows2022)"`,
		"aks_dockershim_free = true",
		"data.kubeharden_aks_cluster.prod: Read complete",
		"-rw------- <tmp>/etc/kubernetes/enc/encryption-config.yaml",
		"apiVersion: v2",
		"Warning: Check block assertion failed",
		"EKS cluster demo-prod is not ready to upgrade: node group legacy-al2: AL2_x86_64 AMIs reached end of support on 2025-11-26",
		"check.eks_upgrade_readiness: fail",
		"terraform plan -detailed-exitcode exited 2 (2 = drift)",
		`~ level   = "privileged" -> "baseline"`,
		"terraform plan -detailed-exitcode exited 0 (0 = no drift)",
		"==> Summary",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", text)
	}
}
