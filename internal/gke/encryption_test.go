package gke

import (
	"strings"
	"testing"

	container "google.golang.org/api/container/v1"
)

func TestNormalizeState(t *testing.T) {
	cases := map[string]string{
		"ENCRYPTED":                      StateEncrypted,
		"ALL_OBJECTS_ENCRYPTION_ENABLED": StateEncrypted,
		"all_objects_encryption_enabled": StateEncrypted,
		"DECRYPTED":                      StateDecrypted,
		"":                               StateDecrypted,
		"UNKNOWN":                        StateUnknown,
		"SOMETHING_NEW":                  StateUnknown,
	}
	for in, want := range cases {
		if got := NormalizeState(in); got != want {
			t.Errorf("NormalizeState(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCurrentPhase(t *testing.T) {
	cases := map[string]Phase{
		"CURRENT_STATE_ENCRYPTED":                      PhaseSettled,
		"CURRENT_STATE_DECRYPTED":                      PhaseSettled,
		"CURRENT_STATE_ALL_OBJECTS_ENCRYPTION_ENABLED": PhaseSettled,
		"CURRENT_STATE_UNSPECIFIED":                    PhaseSettled,
		"":                                             PhaseSettled,
		"CURRENT_STATE_ENCRYPTION_PENDING":             PhasePending,
		"CURRENT_STATE_DECRYPTION_PENDING":             PhasePending,
		"CURRENT_STATE_ALL_OBJECTS_ENCRYPTION_PENDING": PhasePending,
		"CURRENT_STATE_ENCRYPTION_ERROR":               PhaseError,
		"CURRENT_STATE_DECRYPTION_ERROR":               PhaseError,
		"CURRENT_STATE_ALL_OBJECTS_ENCRYPTION_ERROR":   PhaseError,
	}
	for in, want := range cases {
		if got := CurrentPhase(in); got != want {
			t.Errorf("CurrentPhase(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEncryptionError(t *testing.T) {
	c := &container.Cluster{Name: "prod", DatabaseEncryption: &container.DatabaseEncryption{
		State:          StateEncrypted,
		CurrentState:   "CURRENT_STATE_ENCRYPTION_ERROR",
		KeyName:        "projects/p/locations/l/keyRings/r/cryptoKeys/new",
		DecryptionKeys: []string{"projects/p/locations/l/keyRings/r/cryptoKeys/old"},
		LastOperationErrors: []*container.OperationError{{
			ErrorMessage: "Permission denied on key", KeyName: "projects/p/locations/l/keyRings/r/cryptoKeys/new", Timestamp: "2026-01-02T03:04:05Z",
		}},
	}}
	err := EncryptionError(c)
	if err == nil {
		t.Fatal("no error for CURRENT_STATE_ENCRYPTION_ERROR")
	}
	for _, want := range []string{"CURRENT_STATE_ENCRYPTION_ERROR", "Permission denied on key", "cryptoKeys/new", "2026-01-02T03:04:05Z", "cryptoKeys/old"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	c.DatabaseEncryption.CurrentState = "CURRENT_STATE_ENCRYPTED"
	if err := EncryptionError(c); err != nil {
		t.Errorf("error for a settled cluster: %v", err)
	}
	if err := EncryptionError(&container.Cluster{Name: "bare"}); err != nil {
		t.Errorf("error for a cluster without databaseEncryption: %v", err)
	}
}

func TestKeyNameRE(t *testing.T) {
	good := []string{
		"projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k",
		"projects/my-project/locations/global/keyRings/my-ring/cryptoKeys/my-key",
	}
	bad := []string{
		"",
		"k",
		"projects/p/locations/l/keyRings/r",
		"projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
		"projects//locations/l/keyRings/r/cryptoKeys/k",
		"/projects/p/locations/l/keyRings/r/cryptoKeys/k",
		"projects/p/locations/l/keyrings/r/cryptoKeys/k",
		"projects/p/locations/l/keyRings/r/cryptoKeys/",
	}
	for _, s := range good {
		if !KeyNameRE.MatchString(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range bad {
		if KeyNameRE.MatchString(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestParseClusterID(t *testing.T) {
	p, l, c, err := ParseClusterID("my-project/europe-west1-b/prod")
	if err != nil || p != "my-project" || l != "europe-west1-b" || c != "prod" {
		t.Fatalf("ParseClusterID = %q, %q, %q, %v", p, l, c, err)
	}
	for _, bad := range []string{"", "a/b", "a/b/c/d", "/b/c", "a//c", "a/b/", "a/ b/c", "projects/p/locations/l/clusters/c"} {
		if _, _, _, err := ParseClusterID(bad); err == nil {
			t.Errorf("ParseClusterID(%q) accepted", bad)
		}
	}
}

func FuzzParseClusterID(f *testing.F) {
	for _, s := range []string{"p/l/c", "a/b", "a//c", "p/l/c/", "projects/p/locations/l/clusters/c", "\x00/\x00/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, l, c, err := ParseClusterID(s)
		if err != nil {
			return
		}
		if ClusterID(p, l, c) != s {
			t.Fatalf("ParseClusterID(%q) = %q, %q, %q, which does not join back", s, p, l, c)
		}
	})
}

func FuzzNormalizeState(f *testing.F) {
	for _, s := range []string{"ENCRYPTED", "ALL_OBJECTS_ENCRYPTION_ENABLED", "DECRYPTED", "", "UNKNOWN", "encrypted "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeState(s)
		switch n {
		case StateEncrypted, StateDecrypted, StateUnknown:
		default:
			t.Fatalf("NormalizeState(%q) = %q", s, n)
		}
		if NormalizeState(n) != n {
			t.Fatalf("NormalizeState is not idempotent on %q", s)
		}
		_ = CurrentPhase(s)
	})
}
