// Command localenv runs the local test environment for `make demo` and
// `make bench`: a control plane (and the emulators the demo needs), until it
// is interrupted. It writes a shell file of environment variables that point
// at everything it started, then a ready marker.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakearm"
)

func main() {
	dir := flag.String("dir", "", "folder for the environment's files (required); env.sh and ready are written there")
	moto := flag.Bool("moto", false, "also start moto's server with an EKS cluster and node groups")
	azure := flag.Bool("azure", false, "also start the fake Azure Resource Manager and Entra ID with an AKS cluster (its CA bundle goes to SSL_CERT_FILE in env.sh)")
	var latencies latencyList
	flag.Var(&latencies, "latency-proxy", "also start a proxy in front of the control plane that delays every request by this duration, "+
		"with its kubeconfig in proxy-DURATION.kubeconfig (a remote API server, for `make bench`); may be repeated")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "localenv: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir, *moto, *azure, latencies); err != nil {
		fmt.Fprintln(os.Stderr, "localenv:", err)
		os.Exit(1)
	}
}

func run(dir string, withMoto, withAzure bool, latencies []time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	// First, before anything loads the system roots: the fake ARM's CA,
	// trusted by this process and, through SSL_CERT_FILE in env.sh, by
	// Terraform and the provider.
	var ca *acctest.PKI
	var caBundle string
	if withAzure {
		trustDir := filepath.Join(dir, "trust")
		if err := os.MkdirAll(trustDir, 0o700); err != nil {
			return err
		}
		var err error
		if ca, caBundle, err = acctest.SetUpTrust(trustDir); err != nil {
			return fmt.Errorf("arranging trust of the fake ARM's CA: %w", err)
		}
	}

	cp, err := acctest.StartControlPlane(ctx, acctest.Options{Dir: filepath.Join(dir, "controlplane")})
	if err != nil {
		return err
	}
	defer cp.Stop()

	env := map[string]string{
		"KUBECONFIG":         cp.KubeconfigPath,
		"KUBE_CONFIG_PATH":   cp.KubeconfigPath,
		"KUBEHARDEN_CP_HOST": cp.Host,
		"KUBEHARDEN_CP_PID":  fmt.Sprint(os.Getpid()),
	}
	if withMoto {
		m, err := acctest.StartMoto(ctx)
		if err != nil {
			return err
		}
		defer m.Stop()
		if err := seedEKS(ctx, m); err != nil {
			return err
		}
		env["KUBEHARDEN_MOTO_URL"] = m.URL
		env["AWS_REGION"] = m.Region
		env["AWS_ACCESS_KEY_ID"] = acctest.MotoAccessKeyID
		env["AWS_SECRET_ACCESS_KEY"] = acctest.MotoSecretAccessKey
	}
	if withAzure {
		arm, err := fakearm.New(fakearm.Options{CA: ca, OnViolation: func(v string) {
			fmt.Fprintln(os.Stderr, "localenv: fake ARM:", v)
		}})
		if err != nil {
			return err
		}
		defer arm.Close()
		seedAKS(arm)
		env["SSL_CERT_FILE"] = caBundle
		env["KUBEHARDEN_ARM_URL"] = arm.URL()
		env["ARM_SUBSCRIPTION_ID"] = aksSubscriptionID
		env["ARM_TENANT_ID"] = arm.TenantID
		env["ARM_CLIENT_ID"] = arm.ClientID
		env["ARM_CLIENT_SECRET"] = arm.ClientSecret
	}
	for _, d := range latencies {
		p, err := startLatencyProxy(cp, d, filepath.Join(dir, "proxy-"+d.String()+".kubeconfig"))
		if err != nil {
			return err
		}
		defer p.Close()
	}
	var b strings.Builder
	for k, v := range env {
		fmt.Fprintf(&b, "export %s=%q\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(dir, "env.sh"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "localenv: stopping")
	return nil
}

// seedEKS creates the demo's EKS cluster: a current containerd fleet and one
// node group left on Kubernetes 1.23, when the AL2 AMI still ran Docker.
func seedEKS(ctx context.Context, m *acctest.Moto) error {
	_, err := m.EKS.CreateCluster(ctx, &awseks.CreateClusterInput{
		Name:               aws.String("demo-prod"),
		Version:            aws.String("1.31"),
		RoleArn:            aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-cluster"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-a", "subnet-b"}},
	})
	if err != nil {
		return fmt.Errorf("creating the demo EKS cluster in moto: %w", err)
	}
	for _, ng := range []struct {
		name, version string
		ami           ekstypes.AMITypes
	}{
		{"general-al2023", "1.31", ekstypes.AMITypesAl2023X8664Standard},
		{"system-bottlerocket", "1.31", ekstypes.AMITypesBottlerocketArm64},
		{"legacy-al2", "1.23", ekstypes.AMITypesAl2X8664},
	} {
		if _, err := m.EKS.CreateNodegroup(ctx, &awseks.CreateNodegroupInput{
			ClusterName:   aws.String("demo-prod"),
			NodegroupName: aws.String(ng.name),
			NodeRole:      aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-node"),
			Subnets:       []string{"subnet-a"},
			AmiType:       ng.ami,
			Version:       aws.String(ng.version),
		}); err != nil {
			return fmt.Errorf("creating node group %s in moto: %w", ng.name, err)
		}
	}
	return nil
}

// aksSubscriptionID is the subscription of the demo's AKS cluster
// (rg-demo/demo-aks).
const aksSubscriptionID = "0d3e0d3e-5a1e-4c0a-9d3e-000000000015"

// seedAKS adds the demo's AKS cluster: Kubernetes 1.33 with a Linux system
// pool on Ubuntu and a Windows Server 2022 pool, both on containerd, and
// no KMS etcd encryption.
func seedAKS(s *fakearm.Server) {
	pool := func(name string, mode armcontainerservice.AgentPoolMode, osType armcontainerservice.OSType, sku armcontainerservice.OSSKU, image string) *armcontainerservice.ManagedClusterAgentPoolProfile {
		return &armcontainerservice.ManagedClusterAgentPoolProfile{
			Name: to.Ptr(name), Mode: to.Ptr(mode), OSType: to.Ptr(osType), OSSKU: to.Ptr(sku),
			OrchestratorVersion: to.Ptr("1.33.2"), NodeImageVersion: to.Ptr(image),
			Count: to.Ptr[int32](3), VMSize: to.Ptr("Standard_D4s_v5"),
		}
	}
	s.AddCluster(aksSubscriptionID, "rg-demo", armcontainerservice.ManagedCluster{
		Name: to.Ptr("demo-aks"),
		Properties: &armcontainerservice.ManagedClusterProperties{
			KubernetesVersion: to.Ptr("1.33.2"),
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{
				pool("system", armcontainerservice.AgentPoolModeSystem, armcontainerservice.OSTypeLinux, armcontainerservice.OSSKUUbuntu, "AKSUbuntu-2204gen2containerd-202507.21.0"),
				pool("win22", armcontainerservice.AgentPoolModeUser, armcontainerservice.OSTypeWindows, armcontainerservice.OSSKUWindows2022, "AKSWindows-2022-containerd-20348.3932.250705"),
			},
		},
	})
}

// latencyList is the repeatable -latency-proxy flag.
type latencyList []time.Duration

func (l *latencyList) String() string { return fmt.Sprint(*l) }

func (l *latencyList) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*l = append(*l, d)
	return nil
}

// startLatencyProxy starts the fault proxy in front of cp with every
// request delayed by d (none for 0: the proxy's own cost), and writes a
// kubeconfig that goes through it.
func startLatencyProxy(cp *acctest.ControlPlane, d time.Duration, kubeconfig string) (*acctest.FaultProxy, error) {
	p, err := acctest.NewFaultProxy(cp)
	if err != nil {
		return nil, fmt.Errorf("starting the %s latency proxy: %w", d, err)
	}
	if d > 0 {
		p.Add("", ".", acctest.Fault{Kind: acctest.Latency, Delay: d})
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.URL, CertificateAuthorityData: cp.PKI.CACertPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cp.PKI.AdminCert, ClientKeyData: cp.PKI.AdminKey}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "admin"}
	cfg.CurrentContext = "proxy"
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
