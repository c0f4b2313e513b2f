package rewrite

import (
	"fmt"
	"testing"
)

func TestParseEncryptionConfigInfo(t *testing.T) {
	page := `# HELP apiserver_encryption_config_controller_automatic_reloads_total [ALPHA] Total number of reload successes and failures.
# TYPE apiserver_encryption_config_controller_automatic_reloads_total counter
apiserver_encryption_config_controller_automatic_reloads_total{apiserver_id_hash="sha256:aa",status="success"} 1
# HELP apiserver_encryption_config_controller_last_config_info [ALPHA] Information about the last applied encryption configuration with hash as label, split by apiserver identity.
# TYPE apiserver_encryption_config_controller_last_config_info gauge
apiserver_encryption_config_controller_last_config_info{apiserver_id_hash="sha256:aa",hash="sha256:0123abcd"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 412
`
	got, err := parseEncryptionConfigInfo([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0123abcd]" {
		t.Errorf("got %v", got)
	}
	if got, err := parseEncryptionConfigInfo([]byte("go_goroutines 1\n")); err != nil || len(got) != 0 {
		t.Errorf("page without the metric: %v, %v", got, err)
	}
}

// FuzzParseEncryptionConfigInfo: any /metrics page parses without panicking.
func FuzzParseEncryptionConfigInfo(f *testing.F) {
	f.Add(`apiserver_encryption_config_controller_last_config_info{apiserver_id_hash="sha256:aa",hash="sha256:0123"} 1` + "\n")
	f.Add("# TYPE apiserver_encryption_config_controller_last_config_info gauge\napiserver_encryption_config_controller_last_config_info{hash=\"\\\"\"} x\n")
	f.Add("apiserver_encryption_config_controller_last_config_info 1\n")
	f.Fuzz(func(t *testing.T, page string) {
		hashes, err := parseEncryptionConfigInfo([]byte(page))
		if err != nil && len(hashes) > 0 {
			t.Fatalf("hashes %v returned with the error %v", hashes, err)
		}
	})
}
