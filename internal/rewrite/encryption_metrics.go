package rewrite

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// EncryptionConfigInfoMetric is the metric in which kube-apiserver reports
// the SHA-256 of the encryption configuration it has loaded, as the label
// hash="sha256:<hex>" (at start and after each automatic reload).
const EncryptionConfigInfoMetric = "apiserver_encryption_config_controller_last_config_info"

// LoadedEncryptionConfigs returns the hex SHA-256 of each encryption
// configuration the API server reached through rc reports in its metrics,
// without the "sha256:" prefix. None when it runs without
// --encryption-provider-config.
func LoadedEncryptionConfigs(ctx context.Context, rc rest.Interface) ([]string, error) {
	body, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	return parseEncryptionConfigInfo(body)
}

// parseEncryptionConfigInfo reads the hashes from a /metrics page. Only the
// lines of the one metric are parsed: the page of a busy API server holds
// megabytes of others.
func parseEncryptionConfigInfo(page []byte) ([]string, error) {
	var keep bytes.Buffer
	s := bufio.NewScanner(bytes.NewReader(page))
	s.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for s.Scan() {
		line := s.Text()
		trimmed := strings.TrimPrefix(strings.TrimPrefix(line, "# HELP "), "# TYPE ")
		if strings.HasPrefix(trimmed, EncryptionConfigInfoMetric+" ") || strings.HasPrefix(trimmed, EncryptionConfigInfoMetric+"{") {
			keep.WriteString(line)
			keep.WriteByte('\n')
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("reading the metrics: %w", err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(&keep)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", EncryptionConfigInfoMetric, err)
	}
	var hashes []string
	if f, ok := families[EncryptionConfigInfoMetric]; ok {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "hash" {
					hashes = append(hashes, strings.TrimPrefix(l.GetValue(), "sha256:"))
				}
			}
		}
	}
	return hashes, nil
}

// WaitForEncryptionConfig polls the API server's metrics every interval
// until it reports the configuration with the hex SHA-256 sum, or ctx ends.
// On timeout the error lists what the API server reports instead.
func WaitForEncryptionConfig(ctx context.Context, rc rest.Interface, sum string, interval time.Duration) error {
	var last []string
	for {
		hashes, err := LoadedEncryptionConfigs(ctx, rc)
		if err != nil {
			if ctx.Err() != nil {
				return &WaitError{Sum: sum, Reported: last, Err: ctx.Err()}
			}
			return err
		}
		last = hashes
		for _, h := range hashes {
			if h == sum {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return &WaitError{Sum: sum, Reported: last, Err: ctx.Err()}
		case <-time.After(interval):
		}
	}
}

// WaitError is a wait for an encryption configuration that did not end.
type WaitError struct {
	Sum      string
	Reported []string
	Err      error
}

func (e *WaitError) Error() string {
	reported := "no encryption configuration at all (is kube-apiserver started with --encryption-provider-config?)"
	if len(e.Reported) > 0 {
		reported = "sha256 " + strings.Join(e.Reported, ", ")
	}
	return fmt.Sprintf("kube-apiserver did not load the encryption configuration with sha256 %s before the deadline (%v); it reports %s in %s",
		e.Sum, e.Err, reported, EncryptionConfigInfoMetric)
}

func (e *WaitError) Unwrap() error { return e.Err }
