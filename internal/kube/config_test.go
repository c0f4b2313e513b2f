package kube

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func writeKubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443"}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t0ken"}
	cfg.Contexts["dev"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.Contexts["prod"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "dev"
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRESTConfigErrors(t *testing.T) {
	kc := writeKubeconfig(t)
	unreadable := filepath.Join(t.TempDir(), "dir-not-file")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("{not: [yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		cfg        Config
		attr, want string
	}{
		{"empty", Config{}, "kubernetes", "no Kubernetes connection is configured"},
		{"missing file", Config{ConfigPath: "/nope/kubeconfig"}, "kubernetes.config_path", `"/nope/kubeconfig" does not exist`},
		{"directory", Config{ConfigPath: unreadable}, "kubernetes.config_path", "cannot be read"},
		{"garbage", Config{ConfigPath: garbage}, "kubernetes.config_path", "is not a valid kubeconfig"},
		{"unknown context", Config{ConfigPath: kc, ConfigContext: "staging"}, "kubernetes.config_context", `context "staging" is not in the kubeconfig file`},
		{"context without file", Config{Host: "https://x", ConfigContext: "dev"}, "kubernetes.config_context", "needs config_path"},
		{"bad CA", Config{Host: "https://x", ClusterCACertificate: "hello"}, "kubernetes.cluster_ca_certificate", "not PEM-encoded"},
		{"CA of wrong type", Config{Host: "https://x", ClusterCACertificate: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, "kubernetes.cluster_ca_certificate", `type "PRIVATE KEY"`},
		{"bad CA der", Config{Host: "https://x", ClusterCACertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "kubernetes.cluster_ca_certificate", "not a valid X.509"},
		{"bad key", Config{Host: "https://x", ClientCertificate: "", ClientKey: "nope"}, "kubernetes.client_key", "not a PEM-encoded private key"},
		{"token without host", Config{Token: "abc"}, "kubernetes.host", "host is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.cfg.RESTConfig()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want a *ConfigError", err, err)
			}
			if ce.Attribute != c.attr || !strings.Contains(ce.Detail, c.want) {
				t.Fatalf("got %q: %q; want %q containing %q", ce.Attribute, ce.Detail, c.attr, c.want)
			}
		})
	}
}

func TestRESTConfig(t *testing.T) {
	kc := writeKubeconfig(t)
	rc, err := Config{ConfigPath: kc, ConfigContext: "prod"}.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://127.0.0.1:6443" || rc.BearerToken != "t0ken" || rc.QPS != DefaultQPS || rc.Burst != DefaultBurst {
		t.Fatalf("unexpected config: host %q token %q qps %v burst %v", rc.Host, rc.BearerToken, rc.QPS, rc.Burst)
	}
	rc, err = Config{ConfigPath: kc, Host: "https://10.0.0.1", Token: "other", QPS: 7, Burst: 9, Insecure: true}.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://10.0.0.1" || rc.BearerToken != "other" || rc.QPS != 7 || rc.Burst != 9 || !rc.Insecure {
		t.Fatalf("overrides not applied: %+v", rc)
	}
	rc, err = Config{Host: "https://10.0.0.2", Exec: &ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "aws", Args: []string{"eks", "get-token"}, Env: map[string]string{"A": "b"}}}.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rc.ExecProvider == nil || rc.ExecProvider.Command != "aws" || len(rc.ExecProvider.Env) != 1 {
		t.Fatalf("exec not applied: %+v", rc.ExecProvider)
	}
}
