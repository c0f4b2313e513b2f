// Package kube owns the connection to a Kubernetes API server: turning the
// provider's kubernetes block into a client-go rest.Config, building the
// clients lazily, retrying transient errors (Retry), paging through LISTs
// (ListAll), naming each call and classifying its errors into diagnostics a
// user can act on (Op, CallError, Describe), routing API warnings to the
// request that caused them, and the namespace snapshot that serves a
// refresh's namespace reads from one LIST. What the provider does over the
// connection lives elsewhere: the storage rewrite in rewrite, the runtime
// model in containerruntime.
package kube

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Defaults for the client-side rate limiter. client-go's own defaults (5 QPS,
// burst 10) make an apply of a few hundred namespaces wait on the client far
// longer than on the server. Terraform's -parallelism (10) bounds the
// requests in flight and API Priority and Fairness protects the server; 200
// is where a 1000-namespace plan stopped getting faster on the bench machine
// (issue 19, the design decisions guide has the figures).
const (
	DefaultQPS   = 200
	DefaultBurst = 400
)

// ExecConfig is an exec credential plugin (client.authentication.k8s.io).
type ExecConfig struct {
	APIVersion string
	Command    string
	Args       []string
	Env        map[string]string
}

// Config is the provider's kubernetes block, with environment defaults applied.
type Config struct {
	ConfigPath           string
	ConfigContext        string
	Host                 string
	ClusterCACertificate string
	Token                string
	ClientCertificate    string
	ClientKey            string
	Insecure             bool
	QPS                  float32
	Burst                int
	Exec                 *ExecConfig
	// UserAgent is sent with every request, e.g. "terraform-provider-kubeharden/1.2.3".
	UserAgent string
}

// ConfigError is a problem with one attribute of the kubernetes block.
type ConfigError struct {
	// Attribute is the attribute's path inside the provider block, e.g. "kubernetes.config_path".
	Attribute string
	Detail    string
}

func (e *ConfigError) Error() string { return e.Attribute + ": " + e.Detail }

// Empty reports whether no connection setting was given at all.
func (c Config) Empty() bool {
	return c.ConfigPath == "" && c.Host == "" && c.Exec == nil && c.Token == "" &&
		c.ClusterCACertificate == "" && c.ClientCertificate == ""
}

// RESTConfig builds the client-go configuration. It reads the kubeconfig file
// (when config_path is set) and checks every PEM block, so that a mistake is
// reported against the attribute that holds it instead of as a TLS failure
// later. It performs no network I/O.
func (c Config) RESTConfig() (*rest.Config, error) {
	if c.Empty() {
		return nil, &ConfigError{
			Attribute: "kubernetes",
			Detail: "no Kubernetes connection is configured. Set kubernetes.config_path (or KUBE_CONFIG_PATH) " +
				"to a kubeconfig file, or kubernetes.host with credentials (or KUBE_HOST).",
		}
	}
	for _, p := range []struct{ attr, val string }{
		{"kubernetes.cluster_ca_certificate", c.ClusterCACertificate},
		{"kubernetes.client_certificate", c.ClientCertificate},
	} {
		if p.val == "" {
			continue
		}
		if err := checkCertificatePEM(p.val); err != nil {
			return nil, &ConfigError{Attribute: p.attr, Detail: err.Error()}
		}
	}
	if c.ClientKey != "" {
		if b, _ := pem.Decode([]byte(c.ClientKey)); b == nil {
			return nil, &ConfigError{Attribute: "kubernetes.client_key", Detail: "the value is not a PEM-encoded private key (no PEM block found)."}
		}
	}
	if (c.ClientCertificate == "") != (c.ClientKey == "") {
		return nil, &ConfigError{Attribute: "kubernetes.client_certificate", Detail: "client_certificate and client_key must be set together."}
	}

	overrides := &clientcmd.ConfigOverrides{}
	loader := &clientcmd.ClientConfigLoadingRules{}
	if c.ConfigPath != "" {
		path, err := expandHome(c.ConfigPath)
		if err != nil {
			return nil, &ConfigError{Attribute: "kubernetes.config_path", Detail: err.Error()}
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			switch {
			case errors.Is(err, os.ErrNotExist):
				return nil, &ConfigError{Attribute: "kubernetes.config_path", Detail: fmt.Sprintf("the kubeconfig file %q does not exist. Check the path, or set KUBE_CONFIG_PATH.", path)}
			default:
				return nil, &ConfigError{Attribute: "kubernetes.config_path", Detail: fmt.Sprintf("the kubeconfig file %q cannot be read: %v.", path, err)}
			}
		}
		kc, err := clientcmd.Load(raw)
		if err != nil {
			return nil, &ConfigError{Attribute: "kubernetes.config_path", Detail: fmt.Sprintf("the kubeconfig file %q is not a valid kubeconfig: %v.", path, err)}
		}
		if c.ConfigContext != "" {
			if _, ok := kc.Contexts[c.ConfigContext]; !ok {
				return nil, &ConfigError{Attribute: "kubernetes.config_context", Detail: fmt.Sprintf("context %q is not in the kubeconfig file %q; it has: %s.", c.ConfigContext, path, contextNames(kc))}
			}
			overrides.CurrentContext = c.ConfigContext
		} else if kc.CurrentContext == "" {
			return nil, &ConfigError{Attribute: "kubernetes.config_context", Detail: fmt.Sprintf("the kubeconfig file %q has no current-context; set config_context to one of: %s.", path, contextNames(kc))}
		}
		loader.ExplicitPath = path
	} else if c.ConfigContext != "" {
		return nil, &ConfigError{Attribute: "kubernetes.config_context", Detail: "config_context needs config_path (or KUBE_CONFIG_PATH): there is no kubeconfig file to take the context from."}
	}

	if c.Host != "" {
		overrides.ClusterInfo.Server = c.Host
	}
	if c.ClusterCACertificate != "" {
		overrides.ClusterInfo.CertificateAuthorityData = []byte(c.ClusterCACertificate)
	}
	if c.Insecure {
		overrides.ClusterInfo.InsecureSkipTLSVerify = true
	}
	if c.Token != "" {
		overrides.AuthInfo.Token = c.Token
	}
	if c.ClientCertificate != "" {
		overrides.AuthInfo.ClientCertificateData = []byte(c.ClientCertificate)
		overrides.AuthInfo.ClientKeyData = []byte(c.ClientKey)
	}
	if c.Exec != nil {
		ex := &clientcmdapi.ExecConfig{
			APIVersion:      c.Exec.APIVersion,
			Command:         c.Exec.Command,
			Args:            c.Exec.Args,
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}
		for k, v := range c.Exec.Env {
			ex.Env = append(ex.Env, clientcmdapi.ExecEnvVar{Name: k, Value: v})
		}
		overrides.AuthInfo.Exec = ex
	}

	if c.Host == "" && c.ConfigPath == "" {
		return nil, &ConfigError{Attribute: "kubernetes.host", Detail: "host is required when config_path is not set."}
	}
	var cc clientcmd.ClientConfig
	if c.ConfigPath != "" {
		cc = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loader, overrides)
	} else {
		// No kubeconfig: the explicit attributes are the whole configuration.
		// The environment's KUBECONFIG and ~/.kube/config are deliberately not
		// read, as in hashicorp/kubernetes, so a plan never talks to a cluster
		// the configuration does not name.
		cc = clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), overrides)
	}
	rc, err := cc.ClientConfig()
	if err != nil {
		attr := "kubernetes"
		if c.ConfigPath != "" {
			attr = "kubernetes.config_path"
		}
		return nil, &ConfigError{Attribute: attr, Detail: fmt.Sprintf("cannot build a client configuration: %v.", err)}
	}
	rc.QPS = c.QPS
	rc.Burst = c.Burst
	if rc.QPS == 0 {
		rc.QPS = DefaultQPS
	}
	if rc.Burst == 0 {
		rc.Burst = DefaultBurst
	}
	if c.UserAgent != "" {
		rc.UserAgent = c.UserAgent
	}
	return rc, nil
}

func checkCertificatePEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n++
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("the PEM block %d has type %q, want CERTIFICATE", n, b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("the PEM block %d is not a valid X.509 certificate: %w", n, err)
		}
	}
	if n == 0 {
		return errors.New("the value is not PEM-encoded: no \"-----BEGIN CERTIFICATE-----\" block was found. Pass the PEM text itself (for example with file() or base64decode()), not a path")
	}
	return nil
}

func contextNames(kc *clientcmdapi.Config) string {
	if len(kc.Contexts) == 0 {
		return "(no contexts)"
	}
	names := make([]string, 0, len(kc.Contexts))
	for n := range kc.Contexts {
		names = append(names, fmt.Sprintf("%q", n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func expandHome(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot expand %q: %w", p, err)
		}
		return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
	}
	return p, nil
}
