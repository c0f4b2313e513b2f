package gke

import (
	"context"
	"strings"
	"time"

	"github.com/googleapis/gax-go/v2"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	container "google.golang.org/api/container/v1"
)

// Operation statuses.
const (
	OperationDone = "DONE"
)

// GetCluster reads a cluster by its resource name.
func (c *Client) GetCluster(ctx context.Context, name string) (*container.Cluster, error) {
	cl, err := c.Service.Projects.Locations.Clusters.Get(name).Context(ctx).Do()
	if err != nil && ctx.Err() != nil {
		// Only an answer of the API is worth repeating; a call cut by the
		// deadline says nothing more than the deadline.
		var last error
		if code, _ := APIStatus(err); code != 0 {
			last = err
		}
		return nil, &TimeoutError{Call: GetClusterCall(name), Last: last, Err: ctx.Err()}
	}
	return cl, err
}

// UpdateCluster sends clusters.update. While GKE refuses it because another
// operation runs on the cluster, it tries again with a growing backoff until
// ctx ends.
func (c *Client) UpdateCluster(ctx context.Context, name string, update *container.ClusterUpdate) (*container.Operation, error) {
	var op *container.Operation
	var last error
	attempt := 0
	bo := gax.Backoff{Initial: c.Timing.RetryInitial, Max: c.Timing.RetryMax, Multiplier: 2}
	err := gax.Invoke(ctx, func(ctx context.Context, _ gax.CallSettings) error {
		attempt++
		got, err := c.Service.Projects.Locations.Clusters.Update(name, &container.UpdateClusterRequest{Name: name, Update: update}).Context(ctx).Do()
		if err != nil {
			if ctx.Err() == nil {
				// Keep the API's last answer: a call cut by the deadline says nothing.
				last = err
			}
			if IsConcurrentOperation(err) {
				tflog.Info(ctx, "Another operation runs on the cluster; retrying the update", map[string]any{"cluster": name, "attempt": attempt, "error": apiMessage(err)})
			}
			return err
		}
		op = got
		return nil
	}, gax.WithRetry(func() gax.Retryer { return gax.OnErrorFunc(bo, IsConcurrentOperation) }))
	if err != nil {
		if ctx.Err() != nil {
			waiting := ""
			if IsConcurrentOperation(last) {
				waiting = "another operation on the cluster to finish"
			}
			return nil, &TimeoutError{Call: UpdateClusterCall(name), Waiting: waiting, Last: last, Err: ctx.Err()}
		}
		return nil, err
	}
	return op, nil
}

// operationName is the resource name of an operation of the cluster: GKE
// returns only its short ID in Operation.name.
func operationName(cluster string, op *container.Operation) string {
	if strings.HasPrefix(op.Name, "projects/") {
		return op.Name
	}
	parent, _, _ := strings.Cut(cluster, "/clusters/")
	return parent + "/operations/" + op.Name
}

// WaitOperation polls op, an operation on cluster, until it is DONE, and
// returns it. An operation that ends with an error is an *OperationError;
// ctx's end is a *TimeoutError that says where the operation stood.
func (c *Client) WaitOperation(ctx context.Context, cluster string, op *container.Operation) (*container.Operation, error) {
	name := operationName(cluster, op)
	timer := time.NewTimer(c.Timing.PollInterval)
	defer timer.Stop()
	for op.Status != OperationDone {
		select {
		case <-ctx.Done():
			return op, &TimeoutError{Call: OperationCall(name), Waiting: "the " + op.OperationType + " operation to finish (last status " + op.Status + ")", Err: ctx.Err()}
		case <-timer.C:
		}
		got, err := c.Service.Projects.Locations.Operations.Get(name).Context(ctx).Do()
		switch {
		case err != nil && ctx.Err() != nil:
			return op, &TimeoutError{Call: OperationCall(name), Waiting: "the " + op.OperationType + " operation to finish (last status " + op.Status + ")", Last: err, Err: ctx.Err()}
		case err != nil && isTransient(err):
			tflog.Debug(ctx, "Transient error polling the operation; polling again", map[string]any{"operation": name, "error": apiMessage(err)})
		case err != nil:
			return op, err
		default:
			op = got
			tflog.Debug(ctx, "Polled GKE operation", map[string]any{"operation": name, "status": op.Status, "detail": op.Detail})
		}
		timer.Reset(c.Timing.PollInterval)
	}
	if op.Error != nil || op.StatusMessage != "" {
		return op, &OperationError{Cluster: cluster, Op: op}
	}
	return op, nil
}

// WaitEncryptionSettled reads the cluster until its Secrets encryption is no
// longer *_PENDING, and returns it. The caller checks EncryptionError for an
// *_ERROR state.
func (c *Client) WaitEncryptionSettled(ctx context.Context, name string) (*container.Cluster, error) {
	for {
		cl, err := c.GetCluster(ctx, name)
		if err != nil {
			return nil, err
		}
		if cl.DatabaseEncryption == nil || CurrentPhase(cl.DatabaseEncryption.CurrentState) != PhasePending {
			return cl, nil
		}
		tflog.Debug(ctx, "Secrets encryption is pending; polling the cluster again", map[string]any{"cluster": name, "current_state": cl.DatabaseEncryption.CurrentState})
		if err := gax.Sleep(ctx, c.Timing.PollInterval); err != nil {
			return nil, &TimeoutError{Call: GetClusterCall(name), Waiting: "the Secrets encryption to leave " + cl.DatabaseEncryption.CurrentState, Err: err}
		}
	}
}

// SetDatabaseEncryption asks GKE for the encryption de on the cluster name,
// waits for the operation and for the state to settle, and returns the
// cluster as GKE then reports it.
func (c *Client) SetDatabaseEncryption(ctx context.Context, name string, de *container.DatabaseEncryption) (*container.Cluster, error) {
	op, err := c.UpdateCluster(ctx, name, &container.ClusterUpdate{DesiredDatabaseEncryption: de})
	if err != nil {
		return nil, err
	}
	tflog.Info(ctx, "Waiting for the GKE operation", map[string]any{"cluster": name, "operation": op.Name, "state": de.State})
	if _, err := c.WaitOperation(ctx, name, op); err != nil {
		return nil, err
	}
	return c.WaitEncryptionSettled(ctx, name)
}
