package aks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDescribeWrite: a failed operation shows its code and message, a lost
// read-modify-write says so, and a refused write names the write action.
func TestDescribeWrite(t *testing.T) {
	r := ClusterRef{SubscriptionID: "sub", ResourceGroup: "rg", Name: "prod"}
	call := PutClusterCall(r)
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&OperationError{Code: "KeyVaultAccessDenied", Message: "no access to the key", Err: errors.New("poll")},
			[]string{"AKS Operation Failed", "KeyVaultAccessDenied", "no access to the key", `managedClusters.createOrUpdate "sub/rg/prod"`}},
		{fmt.Errorf("%w: %w", ErrConflict, errors.New("412")), []string{"AKS Cluster Kept Changing", "412"}},
	} {
		summary, detail := Describe(call, tc.err)
		got := summary + "\n" + detail
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Describe(%v) lacks %q:\n%s", tc.err, w, got)
			}
		}
	}
}
