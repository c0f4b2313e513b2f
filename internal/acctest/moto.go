package acctest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
)

// Moto is moto's server, with kubeharden's EKS extension
// (internal/acctest/moto/kubeharden_moto.py), listening on loopback.
type Moto struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Region is the region tests and the provider use.
	Region string
	// Dir holds the server's log. It is removed by Stop.
	Dir string
	// EKS is an SDK client for creating fixtures, with dummy credentials.
	EKS *awseks.Client

	cmd  *exec.Cmd
	done chan struct{}
}

// The dummy credentials moto accepts. They are put in the test process's
// environment, which the in-process provider reads through the SDK's default
// credential chain, as a user's provider would read real ones.
const (
	MotoAccessKeyID     = "AKIAKUBEHARDENTESTING"
	MotoSecretAccessKey = "kubeharden-testing-secret"
	MotoRegion          = "us-east-1"
	// MotoAccountID is moto's default account.
	MotoAccountID = "123456789012"
)

// missingMotoHelp says what to install when moto's server is not found.
const missingMotoHelp = "moto's server is needed for the AWS acceptance tests. Install it with: pip install 'moto[server]' " +
	"(the tests look for moto_server on PATH, or set KUBEHARDEN_PYTHON to a python that can import moto)"

var (
	sharedMoto    *Moto
	sharedMotoErr error
)

// SharedMoto returns the package's moto server, starting it on the first
// call; it is stopped when Main ends. A test that needs it fails (it is never
// skipped) when moto is not installed.
func SharedMoto(t testing.TB) *Moto {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make testacc)")
	}
	sharedMu.Lock()
	if sharedMoto == nil && sharedMotoErr == nil {
		sharedMoto, sharedMotoErr = StartMoto(context.Background())
		if sharedMotoErr == nil {
			m := sharedMoto
			cleanups = append(cleanups, m.Stop)
		}
	}
	m, err := sharedMoto, sharedMotoErr
	sharedMu.Unlock()
	if err != nil {
		t.Fatalf("moto's server did not start: %v", err)
	}
	return m
}

// motoPython finds a python interpreter that can import moto's server:
// $KUBEHARDEN_PYTHON, the interpreter of the moto_server script (pip and
// pipx installs write it in the script's first line), or python3 on PATH
// (pyenv's moto_server is a shim that runs the same python3).
func motoPython() (string, error) {
	var candidates []string
	if p := os.Getenv("KUBEHARDEN_PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	script, lookErr := exec.LookPath("moto_server")
	if lookErr == nil {
		if f, err := os.Open(script); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			_ = f.Close()
			interp, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
			if fields := strings.Fields(interp); ok && len(fields) > 0 && strings.Contains(filepath.Base(fields[0]), "python") {
				candidates = append(candidates, fields[0])
			}
		}
	}
	candidates = append(candidates, "python3")
	var tried []string
	for _, c := range candidates {
		out, err := exec.Command(c, "-c", "import moto.moto_server.werkzeug_app").CombinedOutput()
		if err == nil {
			return c, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %v %s", c, err, lastLine(string(out))))
	}
	if lookErr != nil {
		return "", fmt.Errorf("%s. moto_server is not on PATH; tried %s", missingMotoHelp, strings.Join(tried, "; "))
	}
	return "", fmt.Errorf("%s. moto_server is at %s, but no python could import moto's server: %s", missingMotoHelp, script, strings.Join(tried, "; "))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// StartMoto starts moto's server with kubeharden's extension on a free
// loopback port, sets the dummy AWS credentials in the environment, and waits
// until the server answers.
func StartMoto(ctx context.Context) (*Moto, error) {
	python, err := motoPython()
	if err != nil {
		return nil, err
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "internal", "acctest", "moto", "kubeharden_moto.py")
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := TempDir("kubeharden-moto-")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(python, script, "--port", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	// Its own process group, so that Stop reaches anything it spawned; on
	// Linux it also dies with the test binary.
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s %s: %w", python, script, err)
	}
	_ = logFile.Close()
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Region: MotoRegion, Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.done) }()
	if err := m.waitReady(ctx, 60*time.Second); err != nil {
		tail := tail(logPath, 20)
		m.Stop()
		return nil, fmt.Errorf("%w\nlast lines of moto's log:\n%s", err, tail)
	}
	// The provider under test reads credentials from the environment, as a
	// user's would. Only dummy values for moto are set; a developer's real
	// profile must not be picked up (or sent anywhere) by the tests.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           MotoAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       MotoSecretAccessKey,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		if err := os.Setenv(k, v); err != nil {
			m.Stop()
			return nil, err
		}
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		_ = os.Unsetenv(k)
	}
	m.EKS = awseks.New(awseks.Options{
		Region:       m.Region,
		BaseEndpoint: aws.String(m.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(MotoAccessKeyID, MotoSecretAccessKey, ""),
	})
	return m, nil
}

func (m *Moto) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		select {
		case <-m.done:
			return fmt.Errorf("moto's server exited before it answered (%v)", m.cmd.ProcessState)
		default:
		}
		var body struct {
			OK bool `json:"ok"`
		}
		last = m.control(ctx, http.MethodGet, "/_kubeharden/health", nil, &body)
		if last == nil && body.OK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("moto's server did not answer at %s within %s: %w", m.URL, timeout, last)
		case <-m.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// control calls one of the extension's /_kubeharden/ routes.
func (m *Moto) control(ctx context.Context, method, path string, query url.Values, out any) error {
	u := m.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ThrottleState is what the throttling control reports.
type ThrottleState struct {
	Remaining int `json:"remaining"`
	Sent      int `json:"sent"`
}

// Throttle makes the next n EKS requests on the cluster answer
// ThrottlingException (HTTP 400). The count is per cluster, so that tests
// running in parallel on other clusters are not affected.
func (m *Moto) Throttle(ctx context.Context, cluster string, n int) error {
	if cluster == "" {
		return errors.New("throttling needs a cluster name")
	}
	var st ThrottleState
	return m.control(ctx, http.MethodPost, "/_kubeharden/throttle", url.Values{"cluster": {cluster}, "count": {fmt.Sprint(n)}}, &st)
}

// Throttled reports how many throttling answers are left and were sent for
// the cluster since the last Throttle call.
func (m *Moto) Throttled(ctx context.Context, cluster string) (ThrottleState, error) {
	var st ThrottleState
	err := m.control(ctx, http.MethodGet, "/_kubeharden/throttle", url.Values{"cluster": {cluster}}, &st)
	return st, err
}

// ProviderConfig is a provider block that points the aws block at moto.
func (m *Moto) ProviderConfig() string {
	return fmt.Sprintf(`provider "kubeharden" {
  aws {
    region = %q
    endpoints {
      eks = %q
    }
  }
}
`, m.Region, m.URL)
}

// KeyARN is the ARN of a KMS key named id in moto's account and region. moto
// does not check that the key exists: EKS only hands the ARN to KMS.
func (m *Moto) KeyARN(id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", m.Region, MotoAccountID, id)
}

// Stop ends the server and removes its folder.
func (m *Moto) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-m.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
			<-m.done
		}
	}
	if m.Dir != "" {
		_ = os.RemoveAll(m.Dir)
	}
}

// MotoUpdate is an update the extension made, with the number of
// DescribeUpdate calls that saw it.
type MotoUpdate struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Polls  int    `json:"polls"`
}

// Updates lists the updates the extension made on the cluster.
func (m *Moto) Updates(ctx context.Context, cluster string) ([]MotoUpdate, error) {
	var out []MotoUpdate
	err := m.control(ctx, http.MethodGet, "/_kubeharden/updates", url.Values{"cluster": {cluster}, "region": {m.Region}}, &out)
	return out, err
}
