package eks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"golang.org/x/sync/errgroup"
)

// API is the part of the EKS client this package uses. *eks.Client
// implements it; unit tests use fakes.
type API interface {
	eks.DescribeClusterAPIClient
	eks.ListNodegroupsAPIClient
	eks.DescribeNodegroupAPIClient
	eks.DescribeUpdateAPIClient
	eks.ListUpdatesAPIClient
	AssociateEncryptionConfig(ctx context.Context, in *eks.AssociateEncryptionConfigInput, optFns ...func(*eks.Options)) (*eks.AssociateEncryptionConfigOutput, error)
}

var _ API = (*eks.Client)(nil)

// DescribeConcurrency bounds the DescribeNodegroup calls in flight for one
// cluster: enough to read a cluster with dozens of node groups quickly,
// few enough not to trip EKS's request rate limits.
const DescribeConcurrency = 8

// IsNotFound says whether err is EKS's ResourceNotFoundException.
func IsNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// DescribeCluster returns the cluster called name.
func DescribeCluster(ctx context.Context, api API, name string) (*types.Cluster, error) {
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if out.Cluster == nil {
		return nil, fmt.Errorf("DescribeCluster answered without a cluster for %q", name)
	}
	return out.Cluster, nil
}

// NodegroupNames lists the managed node groups of cluster, following every
// page. pageSize is ListNodegroups' maxResults (1-100); 0 leaves it to EKS.
func NodegroupNames(ctx context.Context, api API, cluster string, pageSize int32) ([]string, error) {
	p := eks.NewListNodegroupsPaginator(api, &eks.ListNodegroupsInput{ClusterName: aws.String(cluster)},
		func(o *eks.ListNodegroupsPaginatorOptions) { o.Limit = pageSize })
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		names = append(names, page.Nodegroups...)
	}
	return names, nil
}

// NodegroupError is the failure to describe one node group.
type NodegroupError struct {
	Name string
	Err  error
}

func (e *NodegroupError) Error() string { return fmt.Sprintf("node group %q: %v", e.Name, e.Err) }
func (e *NodegroupError) Unwrap() error { return e.Err }

// DescribeNodegroups describes the named node groups of cluster, at most
// DescribeConcurrency at a time, and returns them sorted by name. A node
// group deleted since it was listed is left out: it no longer exists.
func DescribeNodegroups(ctx context.Context, api API, cluster string, names []string) ([]types.Nodegroup, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	found := make([]*types.Nodegroup, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(DescribeConcurrency)
	for i, name := range names {
		g.Go(func() error {
			out, err := api.DescribeNodegroup(gctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
			switch {
			case IsNotFound(err):
				return nil
			case err != nil:
				return &NodegroupError{Name: name, Err: err}
			}
			found[i] = out.Nodegroup
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	groups := make([]types.Nodegroup, 0, len(found))
	for _, ng := range found {
		if ng != nil {
			groups = append(groups, *ng)
		}
	}
	return groups, nil
}

// SecretsKeyARN is the KMS key that encrypts the cluster's Secrets, or ""
// when they are not envelope-encrypted.
func SecretsKeyARN(c *types.Cluster) string {
	if c == nil {
		return ""
	}
	for _, ec := range c.EncryptionConfig {
		if ec.Provider != nil && slices.Contains(ec.Resources, "secrets") { //nolint:staticcheck // EKS still reports the encrypted resources here
			return aws.ToString(ec.Provider.KeyArn)
		}
	}
	return ""
}

// AssociateSecretsKey starts the encryption of the cluster's Secrets with the
// KMS key keyARN and returns the update to wait on.
func AssociateSecretsKey(ctx context.Context, api API, cluster, keyARN string) (*types.Update, error) {
	out, err := api.AssociateEncryptionConfig(ctx, &eks.AssociateEncryptionConfigInput{
		ClusterName: aws.String(cluster),
		EncryptionConfig: []types.EncryptionConfig{{
			Resources: []string{"secrets"},
			Provider:  &types.Provider{KeyArn: aws.String(keyARN)},
		}},
	})
	if err != nil {
		return nil, err
	}
	if out.Update == nil || out.Update.Id == nil {
		return nil, fmt.Errorf("AssociateEncryptionConfig answered without an update for cluster %q", cluster)
	}
	return out.Update, nil
}

// IsInUse says whether err is EKS's ResourceInUseException: the cluster
// has an update in progress.
func IsInUse(err error) bool {
	var inUse *types.ResourceInUseException
	return errors.As(err, &inUse)
}

// RunningUpdates returns the cluster's updates that are InProgress, in the
// order ListUpdates gives them.
func RunningUpdates(ctx context.Context, api API, cluster string) ([]types.Update, error) {
	var running []types.Update
	p := eks.NewListUpdatesPaginator(api, &eks.ListUpdatesInput{Name: aws.String(cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range page.UpdateIds {
			out, err := api.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String(cluster), UpdateId: aws.String(id)})
			if err != nil {
				return nil, err
			}
			if out.Update != nil && out.Update.Status == types.UpdateStatusInProgress {
				running = append(running, *out.Update)
			}
		}
	}
	return running, nil
}

// UpdateKeyARN is the KMS key an AssociateEncryptionConfig update sets,
// read from its EncryptionConfig parameter; "" for any other update.
func UpdateKeyARN(u types.Update) string {
	if u.Type != types.UpdateTypeAssociateEncryptionConfig {
		return ""
	}
	for _, p := range u.Params {
		if p.Type != types.UpdateParamTypeEncryptionConfig {
			continue
		}
		var configs []struct {
			Provider struct {
				KeyArn string `json:"keyArn"`
			} `json:"provider"`
		}
		if json.Unmarshal([]byte(aws.ToString(p.Value)), &configs) == nil && len(configs) > 0 {
			return configs[0].Provider.KeyArn
		}
	}
	return ""
}

// RunningAssociation picks, among the updates running on cluster, the
// AssociateEncryptionConfig of keyARN, after AssociateEncryptionConfig
// answered inUse (an earlier apply may have timed out while its
// association runs). Anything else running is a *BusyError listing it.
func RunningAssociation(cluster string, running []types.Update, keyARN string, inUse error) (*types.Update, error) {
	for _, u := range running {
		if UpdateKeyARN(u) == keyARN {
			return &u, nil
		}
	}
	return nil, &BusyError{Cluster: cluster, Running: running, Err: inUse}
}

// BusyError is an AssociateEncryptionConfig refused because the cluster
// has other updates in progress.
type BusyError struct {
	Cluster string
	Running []types.Update
	Err     error
}

func (e *BusyError) Error() string {
	msg := fmt.Sprintf("cluster %q has %d update(s) in progress:", e.Cluster, len(e.Running))
	for _, u := range e.Running {
		msg += fmt.Sprintf("\n  - %s (%s", aws.ToString(u.Id), u.Type)
		if key := UpdateKeyARN(u); key != "" {
			msg += ", key " + key
		}
		if u.CreatedAt != nil {
			msg += ", started " + u.CreatedAt.UTC().Format(time.RFC3339)
		}
		msg += ")"
	}
	return msg
}

func (e *BusyError) Unwrap() error { return e.Err }

// UpdateFailedError is a cluster update that ended Failed or Cancelled.
type UpdateFailedError struct {
	Cluster string
	Update  types.Update
}

func (e *UpdateFailedError) Error() string {
	msg := fmt.Sprintf("update %s (%s) of cluster %q ended %s", aws.ToString(e.Update.Id), e.Update.Type, e.Cluster, e.Update.Status)
	if len(e.Update.Errors) == 0 {
		return msg + " without error details"
	}
	for _, d := range e.Update.Errors {
		msg += fmt.Sprintf("; %s: %s", d.ErrorCode, aws.ToString(d.ErrorMessage))
		if len(d.ResourceIds) > 0 {
			msg += fmt.Sprintf(" (resources: %v)", d.ResourceIds)
		}
	}
	return msg
}

// UpdateTimeoutError is a cluster update still in progress when the
// context's deadline came.
type UpdateTimeoutError struct {
	Cluster    string
	UpdateID   string
	LastStatus types.UpdateStatus
	Waited     time.Duration
	Err        error
}

func (e *UpdateTimeoutError) Error() string {
	return fmt.Sprintf("update %s of cluster %q was still %s after %s of DescribeUpdate polling: %v",
		e.UpdateID, e.Cluster, e.LastStatus, e.Waited.Round(time.Second), e.Err)
}

func (e *UpdateTimeoutError) Unwrap() error { return e.Err }

// WaitOptions tune WaitForUpdate's polling: exponential backoff with jitter
// from MinDelay to MaxDelay, as the SDK's generated waiters do.
type WaitOptions struct {
	MinDelay, MaxDelay time.Duration
}

// DefaultWaitOptions suit EKS cluster updates, which take minutes: an early
// answer for quick ones, then at most one call every 30 seconds.
var DefaultWaitOptions = WaitOptions{MinDelay: time.Second, MaxDelay: 30 * time.Second}

// waitWithoutDeadline bounds a wait whose context has no deadline.
const waitWithoutDeadline = 60 * time.Minute

// WaitForUpdate polls DescribeUpdate until the update of cluster is
// Successful. Failed and Cancelled become an *UpdateFailedError with the
// update's error details; the context's deadline an *UpdateTimeoutError.
func WaitForUpdate(ctx context.Context, api API, cluster, updateID string, o WaitOptions) (*types.Update, error) {
	maxWait := waitWithoutDeadline
	if dl, ok := ctx.Deadline(); ok {
		maxWait = time.Until(dl)
	}
	start := time.Now()
	last := types.UpdateStatusInProgress
	timeout := func(err error) error {
		return &UpdateTimeoutError{Cluster: cluster, UpdateID: updateID, LastStatus: last, Waited: time.Since(start), Err: err}
	}
	if maxWait <= 0 || ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil {
			return nil, timeout(cause)
		}
		return nil, timeout(context.DeadlineExceeded)
	}
	// The SDK's only DescribeUpdate waiter is named for certificate authority
	// updates, but its states are those of any update (Successful, Failed,
	// Cancelled); Retryable replaces them to keep the update's error details.
	var apiErr error
	w := eks.NewCertificateAuthorityUpdateCompleteWaiter(api, func(wo *eks.CertificateAuthorityUpdateCompleteWaiterOptions) {
		wo.MinDelay, wo.MaxDelay = o.MinDelay, o.MaxDelay
		wo.Retryable = func(_ context.Context, _ *eks.DescribeUpdateInput, out *eks.DescribeUpdateOutput, err error) (bool, error) {
			if err != nil {
				apiErr = err
				return false, err
			}
			if out.Update == nil {
				apiErr = fmt.Errorf("DescribeUpdate answered without an update for %s", updateID)
				return false, apiErr
			}
			last = out.Update.Status
			switch out.Update.Status {
			case types.UpdateStatusSuccessful:
				return false, nil
			case types.UpdateStatusFailed, types.UpdateStatusCancelled:
				return false, &UpdateFailedError{Cluster: cluster, Update: *out.Update}
			default:
				return true, nil
			}
		}
	})
	out, err := w.WaitForOutput(ctx, &eks.DescribeUpdateInput{Name: aws.String(cluster), UpdateId: aws.String(updateID)}, maxWait)
	var failed *UpdateFailedError
	switch {
	case err == nil:
		return out.Update, nil
	case errors.As(err, &failed):
		return nil, err
	case apiErr != nil && !errors.Is(apiErr, context.DeadlineExceeded) && !errors.Is(apiErr, context.Canceled):
		return nil, fmt.Errorf("DescribeUpdate %s of cluster %q: %w", updateID, cluster, apiErr)
	default:
		// The deadline came during a call, during a pause, or left too
		// little time for another poll. The waiter's own message for the
		// last case names the certificate authority waiter: not shown.
		cause := apiErr
		if cause == nil {
			cause = context.Cause(ctx)
		}
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return nil, timeout(cause)
	}
}
