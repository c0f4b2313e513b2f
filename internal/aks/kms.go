package aks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

// Timing is how often a long-running operation is polled, and how the
// read-modify-write of a cluster backs off after a 412.
type Timing struct {
	PollInterval time.Duration
	RetryInitial time.Duration
	RetryMax     time.Duration
	// MaxConflicts bounds the read-modify-writes lost to other writers;
	// zero: until the context ends.
	MaxConflicts int
}

// DefaultTiming is what SetKMS uses; tests set it low. A KMS change of a
// managed cluster takes minutes.
var DefaultTiming = Timing{PollInterval: 10 * time.Second, RetryInitial: 2 * time.Second, RetryMax: 30 * time.Second, MaxConflicts: 10}

// WriteClusterAction is the RBAC action of managedClusters.createOrUpdate.
const WriteClusterAction = "Microsoft.ContainerService/managedClusters/write"

// PutClusterCall is a managedClusters.createOrUpdate of r.
func PutClusterCall(r ClusterRef) Call {
	return Call{Method: "managedClusters.createOrUpdate", Cluster: r, Action: WriteClusterAction}
}

// ErrConflict is returned when every read-modify-write lost to another writer.
var ErrConflict = errors.New("the managed cluster kept changing between the read and the write (HTTP 412 on every attempt)")

// OperationError is a long-running operation that ended Failed (or Canceled).
type OperationError struct {
	Code, Message string
	Err           error
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("the operation failed: %s: %s", e.Code, e.Message)
}
func (e *OperationError) Unwrap() error { return e.Err }

// KMS returns the cluster's azureKeyVaultKms, nil when not set.
func KMS(mc *armcontainerservice.ManagedCluster) *armcontainerservice.AzureKeyVaultKms {
	if mc == nil || mc.Properties == nil || mc.Properties.SecurityProfile == nil {
		return nil
	}
	return mc.Properties.SecurityProfile.AzureKeyVaultKms
}

// SetKMS sets the cluster's securityProfile.azureKeyVaultKms to kms and
// waits for the operation: a GET, then a PUT of the whole cluster as read
// with only that field changed, guarded by If-Match with the ETag read. A
// 412 means someone else wrote in between: the whole read-modify-write is
// retried with backoff (never overwriting their change), up to
// Timing.MaxConflicts times and until ctx ends. A failed operation is an
// *OperationError with ARM's code and message.
func (c *Client) SetKMS(ctx context.Context, r ClusterRef, kms *armcontainerservice.AzureKeyVaultKms) (*armcontainerservice.ManagedCluster, error) {
	t := DefaultTiming
	mc, err := c.ManagedClusters(r.SubscriptionID)
	if err != nil {
		return nil, err
	}
	wait := t.RetryInitial
	for attempt := 0; ; attempt++ {
		resp, err := mc.Get(ctx, r.ResourceGroup, r.Name, nil)
		if err != nil {
			return nil, err
		}
		cl := resp.ManagedCluster
		if cl.Properties == nil {
			cl.Properties = &armcontainerservice.ManagedClusterProperties{}
		}
		if cl.Properties.SecurityProfile == nil {
			cl.Properties.SecurityProfile = &armcontainerservice.ManagedClusterSecurityProfile{}
		}
		cl.Properties.SecurityProfile.AzureKeyVaultKms = kms
		poller, err := mc.BeginCreateOrUpdate(ctx, r.ResourceGroup, r.Name, cl,
			&armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: cl.ETag})
		if status, _, _, ok := responseError(err); ok && status == http.StatusPreconditionFailed {
			if t.MaxConflicts > 0 && attempt+1 >= t.MaxConflicts {
				return nil, fmt.Errorf("%w: %w", ErrConflict, err)
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w: %w", ctx.Err(), err)
			case <-time.After(wait):
			}
			wait = min(2*wait, t.RetryMax)
			continue
		}
		if err != nil {
			return nil, err
		}
		done, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: t.PollInterval})
		if err != nil {
			// A Failed operation comes back as the poll's 200 response,
			// its body's error holding the operation's code and message.
			if status, code, msg, ok := responseError(err); ok && status < http.StatusBadRequest {
				return nil, &OperationError{Code: code, Message: msg, Err: err}
			}
			return nil, err
		}
		return &done.ManagedCluster, nil
	}
}
