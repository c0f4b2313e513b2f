package provider

import (
	"context"
	"os"
	"slices"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// The provider blocks' models turned into the clients' configurations:
// kubernetes, aws, google and azure, each with its environment variables.

// strOr returns the value of v, the environment variable env when v is null,
// and whether v is unknown.
func strOr(v types.String, env string) (string, bool) {
	if v.IsUnknown() {
		return "", true
	}
	if v.IsNull() {
		return os.Getenv(env), false
	}
	return v.ValueString(), false
}

func (m *kubernetesModel) config(ctx context.Context, diags *diag.Diagnostics) (kube.Config, bool) {
	if m == nil {
		m = &kubernetesModel{}
	}
	var c kube.Config
	unknown := false
	for _, f := range []struct {
		dst *string
		v   types.String
		env string
	}{
		{&c.ConfigPath, m.ConfigPath, "KUBE_CONFIG_PATH"},
		{&c.ConfigContext, m.ConfigContext, "KUBE_CTX"},
		{&c.Host, m.Host, "KUBE_HOST"},
		{&c.ClusterCACertificate, m.ClusterCACertificate, "KUBE_CLUSTER_CA_CERT_DATA"},
		{&c.Token, m.Token, "KUBE_TOKEN"},
		{&c.ClientCertificate, m.ClientCertificate, "KUBE_CLIENT_CERT_DATA"},
		{&c.ClientKey, m.ClientKey, "KUBE_CLIENT_KEY_DATA"},
	} {
		val, u := strOr(f.v, f.env)
		*f.dst = val
		unknown = unknown || u
	}
	switch {
	case m.Insecure.IsUnknown():
		unknown = true
	case m.Insecure.IsNull():
		c.Insecure, _ = strconv.ParseBool(os.Getenv("KUBE_INSECURE"))
	default:
		c.Insecure = m.Insecure.ValueBool()
	}
	switch {
	case m.QPS.IsUnknown():
		unknown = true
	case !m.QPS.IsNull():
		f, _ := m.QPS.ValueBigFloat().Float32()
		if f <= 0 {
			diags.AddAttributeError(path.Root("kubernetes").AtName("qps"), "Invalid Rate Limit", "kubernetes.qps must be greater than 0.")
		}
		c.QPS = f
	default:
		if v := os.Getenv("KUBE_QPS"); v != "" {
			f, err := strconv.ParseFloat(v, 32)
			if err != nil || f <= 0 {
				diags.AddAttributeError(path.Root("kubernetes").AtName("qps"), "Invalid Rate Limit", "KUBE_QPS="+strconv.Quote(v)+" is not a number greater than 0.")
			}
			c.QPS = float32(f)
		}
	}
	switch {
	case m.Burst.IsUnknown():
		unknown = true
	case !m.Burst.IsNull():
		if m.Burst.ValueInt64() < 1 {
			diags.AddAttributeError(path.Root("kubernetes").AtName("burst"), "Invalid Rate Limit", "kubernetes.burst must be at least 1.")
		}
		c.Burst = int(m.Burst.ValueInt64())
	default:
		if v := os.Getenv("KUBE_BURST"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				diags.AddAttributeError(path.Root("kubernetes").AtName("burst"), "Invalid Rate Limit", "KUBE_BURST="+strconv.Quote(v)+" is not an integer of at least 1.")
			}
			c.Burst = n
		}
	}
	if m.Exec != nil {
		e := &kube.ExecConfig{}
		var u1, u2 bool
		e.APIVersion, u1 = strOr(m.Exec.APIVersion, "")
		e.Command, u2 = strOr(m.Exec.Command, "")
		unknown = unknown || u1 || u2
		// One element unknown (a cluster name from a resource of the same
		// run) is enough to defer the client, not a conversion error.
		argsUnknown := m.Exec.Args.IsUnknown() || m.Exec.Env.IsUnknown() ||
			slices.ContainsFunc(m.Exec.Args.Elements(), attr.Value.IsUnknown)
		for _, v := range m.Exec.Env.Elements() {
			argsUnknown = argsUnknown || v.IsUnknown()
		}
		if argsUnknown {
			unknown = true
		} else {
			diags.Append(m.Exec.Args.ElementsAs(ctx, &e.Args, false)...)
			diags.Append(m.Exec.Env.ElementsAs(ctx, &e.Env, false)...)
		}
		if !unknown && e.Command == "" {
			diags.AddAttributeError(path.Root("kubernetes").AtName("exec").AtName("command"), "Missing Exec Command", "kubernetes.exec needs a command, e.g. \"aws\" with args [\"eks\", \"get-token\", \"--cluster-name\", \"prod\"].")
		}
		if !unknown && e.APIVersion == "" {
			e.APIVersion = "client.authentication.k8s.io/v1"
		}
		c.Exec = e
	}
	return c, unknown
}

func (m *awsModel) config() (eks.Config, bool) {
	if m == nil {
		m = &awsModel{}
	}
	var c eks.Config
	var u1, u2, u3 bool
	// Region and profile fall back to the SDK's own environment handling
	// (AWS_REGION, AWS_PROFILE, shared config) when unset.
	c.Region, u1 = strOr(m.Region, "")
	c.Profile, u2 = strOr(m.Profile, "")
	if m.Endpoints != nil {
		c.EKSEndpoint, u3 = strOr(m.Endpoints.EKS, "")
	}
	return c, u1 || u2 || u3
}

func (m *googleModel) config() (gke.Config, bool) {
	if m == nil {
		m = &googleModel{}
	}
	var c gke.Config
	var u1, u2, u3, u4 bool
	c.Project, u1 = strOr(m.Project, "GOOGLE_PROJECT")
	c.Credentials, u2 = strOr(m.Credentials, "GOOGLE_CREDENTIALS")
	c.AccessToken, u3 = strOr(m.AccessToken, "GOOGLE_OAUTH_ACCESS_TOKEN")
	if m.Endpoints != nil {
		c.ContainerEndpoint, u4 = strOr(m.Endpoints.Container, "")
	}
	return c, u1 || u2 || u3 || u4
}

func (m *azureModel) config() (aks.Config, bool) {
	if m == nil {
		m = &azureModel{}
	}
	var c aks.Config
	var u [6]bool
	c.SubscriptionID, u[0] = strOr(m.SubscriptionID, "ARM_SUBSCRIPTION_ID")
	c.TenantID, u[1] = strOr(m.TenantID, "ARM_TENANT_ID")
	c.ClientID, u[2] = strOr(m.ClientID, "ARM_CLIENT_ID")
	c.ClientSecret, u[3] = strOr(m.ClientSecret, "ARM_CLIENT_SECRET")
	if m.Endpoints != nil {
		c.ResourceManagerEndpoint, u[4] = strOr(m.Endpoints.ResourceManager, "")
		c.AuthorityHost, u[5] = strOr(m.Endpoints.ActiveDirectory, "")
	}
	return c, slices.Contains(u[:], true)
}
