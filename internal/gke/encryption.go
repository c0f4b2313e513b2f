package gke

import (
	"fmt"
	"regexp"
	"strings"

	container "google.golang.org/api/container/v1"
)

// Desired states of databaseEncryption.state.
const (
	StateEncrypted  = "ENCRYPTED"
	StateDecrypted  = "DECRYPTED"
	StateAllObjects = "ALL_OBJECTS_ENCRYPTION_ENABLED"
	StateUnknown    = "UNKNOWN"
)

// NormalizeState maps a databaseEncryption.state to the state a Terraform
// configuration can ask for. ALL_OBJECTS_ENCRYPTION_ENABLED is what GKE
// reports for clusters that encrypt every object, not only Secrets, after an
// ENCRYPTED request: for Secrets it is the same thing, so it is ENCRYPTED
// here and never a permanent diff. A cluster without databaseEncryption, or
// with an empty state, stores Secrets in plain text: DECRYPTED.
func NormalizeState(state string) string {
	switch strings.ToUpper(strings.TrimSpace(state)) {
	case StateEncrypted, StateAllObjects:
		return StateEncrypted
	case StateDecrypted, "":
		return StateDecrypted
	default:
		return StateUnknown
	}
}

// Phase is where databaseEncryption.currentState stands.
type Phase int

const (
	// PhaseSettled: the state is reached (ENCRYPTED, DECRYPTED, ...) or not reported.
	PhaseSettled Phase = iota
	// PhasePending: GKE is still re-writing data (*_PENDING).
	PhasePending
	// PhaseError: the last change failed (*_ERROR).
	PhaseError
)

// CurrentPhase classifies a databaseEncryption.currentState.
func CurrentPhase(currentState string) Phase {
	s := strings.ToUpper(strings.TrimSpace(currentState))
	switch {
	case strings.HasSuffix(s, "_PENDING"):
		return PhasePending
	case strings.HasSuffix(s, "_ERROR"):
		return PhaseError
	default:
		return PhaseSettled
	}
}

// EncryptionError describes a cluster whose currentState is *_ERROR, with
// what GKE recorded about it. It returns nil for any other cluster.
func EncryptionError(c *container.Cluster) error {
	de := c.DatabaseEncryption
	if de == nil || CurrentPhase(de.CurrentState) != PhaseError {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GKE reports the Secrets encryption of cluster %q as %s", c.Name, de.CurrentState)
	if len(de.LastOperationErrors) > 0 {
		b.WriteString(". Last operation errors:")
		for _, e := range de.LastOperationErrors {
			if e == nil {
				continue
			}
			fmt.Fprintf(&b, "\n  - %s", e.ErrorMessage)
			if e.KeyName != "" {
				fmt.Fprintf(&b, " (key %s)", e.KeyName)
			}
			if e.Timestamp != "" {
				fmt.Fprintf(&b, " at %s", e.Timestamp)
			}
		}
	}
	if len(de.DecryptionKeys) > 0 {
		fmt.Fprintf(&b, "\nKeys still used to decrypt existing data: %s.", strings.Join(de.DecryptionKeys, ", "))
	}
	return &StateError{Cluster: c.Name, CurrentState: de.CurrentState, Detail: b.String()}
}

// StateError is a cluster whose encryption is in an *_ERROR state.
type StateError struct {
	Cluster      string
	CurrentState string
	Detail       string
}

func (e *StateError) Error() string { return e.Detail }

// KeyNamePattern is the shape of a Cloud KMS key name as databaseEncryption
// takes it: a key, not a key version.
const KeyNamePattern = `^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`

// KeyNameRE matches KeyNamePattern.
var KeyNameRE = regexp.MustCompile(KeyNamePattern)

// KeyNameFormat is the shape of a key name, for error messages.
const KeyNameFormat = "projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY"

// ClusterName is the API's resource name of a cluster.
func ClusterName(project, location, cluster string) string {
	return "projects/" + project + "/locations/" + location + "/clusters/" + cluster
}

// ClusterID is the Terraform ID of a cluster's resource: project/location/cluster.
func ClusterID(project, location, cluster string) string {
	return project + "/" + location + "/" + cluster
}

// ParseClusterID splits an import ID "project/location/cluster". Each part
// must be non-empty and free of spaces.
func ParseClusterID(id string) (project, location, cluster string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("the ID %q has %d part(s); expected project/location/cluster, e.g. my-project/europe-west1/prod", id, len(parts))
	}
	for i, what := range []string{"project", "location", "cluster"} {
		if parts[i] == "" || strings.ContainsAny(parts[i], " \t\r\n") {
			return "", "", "", fmt.Errorf("the ID %q has an empty or blank %s; expected project/location/cluster, e.g. my-project/europe-west1/prod", id, what)
		}
	}
	return parts[0], parts[1], parts[2], nil
}

// DatabaseEncryption returns the cluster's databaseEncryption with its state
// filled in: a cluster that never set one reads as DECRYPTED.
func DatabaseEncryption(cl *container.Cluster) container.DatabaseEncryption {
	var de container.DatabaseEncryption
	if cl.DatabaseEncryption != nil {
		de = *cl.DatabaseEncryption
	}
	if de.State == "" {
		de.State = StateDecrypted
	}
	return de
}
