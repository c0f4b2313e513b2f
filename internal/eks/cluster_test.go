package eks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"
)

// fakeAPI is an in-memory EKS with one cluster, "c".
type fakeAPI struct {
	mu         sync.Mutex
	nodegroups map[string]types.Nodegroup
	// vanished node groups are listed but gone when described.
	vanished []string
	// listPages records the maxResults of each ListNodegroups call.
	listPages []int32
	// describeGate, when set, holds each DescribeNodegroup until gateSize
	// calls are in flight at once.
	gateSize    int
	gate        chan struct{}
	gateOpen    bool
	inFlight    int
	maxInFlight int
	describeErr map[string]error

	// statuses is what DescribeUpdate answers, one per call; the last one repeats.
	statuses   []types.UpdateStatus
	errDetails []types.ErrorDetail
	polls      int
	pollErr    error
	associated *eks.AssociateEncryptionConfigInput
	// updates are what ListUpdates lists (two per page) and DescribeUpdate
	// answers for their IDs.
	updates []types.Update
}

func (f *fakeAPI) ListUpdates(_ context.Context, in *eks.ListUpdatesInput, _ ...func(*eks.Options)) (*eks.ListUpdatesOutput, error) {
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	out := &eks.ListUpdatesOutput{}
	for _, u := range f.updates[start:min(start+2, len(f.updates))] {
		out.UpdateIds = append(out.UpdateIds, aws.ToString(u.Id))
	}
	if start+2 < len(f.updates) {
		out.NextToken = aws.String(strconv.Itoa(start + 2))
	}
	return out, nil
}

func (f *fakeAPI) DescribeCluster(_ context.Context, in *eks.DescribeClusterInput, _ ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	if aws.ToString(in.Name) != "c" {
		return nil, &types.ResourceNotFoundException{Message: aws.String("No cluster found for name: " + aws.ToString(in.Name) + ".")}
	}
	return &eks.DescribeClusterOutput{Cluster: &types.Cluster{Name: in.Name}}, nil
}

func (f *fakeAPI) names() []string {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range f.nodegroups {
			if !yield(n) {
				return
			}
		}
	})
	return append(names, f.vanished...)
}

func (f *fakeAPI) ListNodegroups(_ context.Context, in *eks.ListNodegroupsInput, _ ...func(*eks.Options)) (*eks.ListNodegroupsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	size := aws.ToInt32(in.MaxResults)
	f.listPages = append(f.listPages, size)
	if size == 0 {
		size = 100
	}
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	names := f.names()
	end := min(start+int(size), len(names))
	out := &eks.ListNodegroupsOutput{Nodegroups: names[start:end]}
	if end < len(names) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeAPI) DescribeNodegroup(ctx context.Context, in *eks.DescribeNodegroupInput, _ ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error) {
	name := aws.ToString(in.NodegroupName)
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	if f.gate != nil && f.inFlight == f.gateSize && !f.gateOpen {
		close(f.gate)
		f.gateOpen = true
	}
	gate := f.gate
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("%d DescribeNodegroup calls were never in flight at once", f.gateSize)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.describeErr[name]; err != nil {
		return nil, err
	}
	ng, ok := f.nodegroups[name]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("No node group found for name: " + name + ".")}
	}
	return &eks.DescribeNodegroupOutput{Nodegroup: &ng}, nil
}

func (f *fakeAPI) DescribeUpdate(_ context.Context, in *eks.DescribeUpdateInput, _ ...func(*eks.Options)) (*eks.DescribeUpdateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.updates {
		if aws.ToString(u.Id) == aws.ToString(in.UpdateId) {
			return &eks.DescribeUpdateOutput{Update: &u}, nil
		}
	}
	if f.pollErr != nil {
		return nil, f.pollErr
	}
	status := f.statuses[min(f.polls, len(f.statuses)-1)]
	f.polls++
	u := &types.Update{Id: in.UpdateId, Status: status, Type: types.UpdateTypeAssociateEncryptionConfig}
	if status == types.UpdateStatusFailed || status == types.UpdateStatusCancelled {
		u.Errors = f.errDetails
	}
	return &eks.DescribeUpdateOutput{Update: u}, nil
}

func (f *fakeAPI) AssociateEncryptionConfig(_ context.Context, in *eks.AssociateEncryptionConfigInput, _ ...func(*eks.Options)) (*eks.AssociateEncryptionConfigOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.associated = in
	return &eks.AssociateEncryptionConfigOutput{Update: &types.Update{Id: aws.String("u-1"), Status: types.UpdateStatusInProgress}}, nil
}

func newFake(n int) *fakeAPI {
	f := &fakeAPI{nodegroups: map[string]types.Nodegroup{}}
	for i := range n {
		name := fmt.Sprintf("ng-%03d", i)
		f.nodegroups[name] = types.Nodegroup{NodegroupName: aws.String(name), AmiType: types.AMITypesAl2023X8664Standard}
	}
	return f
}

func TestNodegroupNamesFollowsPages(t *testing.T) {
	f := newFake(7)
	names, err := NodegroupNames(context.Background(), f, "c", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 7 || names[0] != "ng-000" || names[6] != "ng-006" {
		t.Fatalf("names = %v, want ng-000..ng-006", names)
	}
	if !slices.Equal(f.listPages, []int32{3, 3, 3}) {
		t.Fatalf("ListNodegroups was called with maxResults %v, want three pages of 3", f.listPages)
	}
}

func TestNodegroupsBoundedConcurrencySortedOrder(t *testing.T) {
	f := newFake(150) // more than one default page of 100
	f.vanished = []string{"ng-gone"}
	f.gateSize = DescribeConcurrency
	f.gate = make(chan struct{})
	names, err := NodegroupNames(context.Background(), f, "c", 0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(names) // the order of the input does not matter
	groups, err := DescribeNodegroups(context.Background(), f, "c", names)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.listPages) != 2 {
		t.Errorf("ListNodegroups was called %d times, want 2 pages", len(f.listPages))
	}
	if len(groups) != 150 {
		t.Fatalf("got %d node groups, want 150 (the vanished one left out)", len(groups))
	}
	if !slices.IsSortedFunc(groups, func(a, b types.Nodegroup) int {
		return strings.Compare(aws.ToString(a.NodegroupName), aws.ToString(b.NodegroupName))
	}) {
		t.Error("node groups are not sorted by name")
	}
	if f.maxInFlight != DescribeConcurrency {
		t.Errorf("at most %d DescribeNodegroup calls were in flight, want exactly %d", f.maxInFlight, DescribeConcurrency)
	}
}

func TestNodegroupsError(t *testing.T) {
	f := newFake(20)
	f.describeErr = map[string]error{"ng-013": &types.ServerException{Message: aws.String("boom")}}
	names, err := NodegroupNames(context.Background(), f, "c", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = DescribeNodegroups(context.Background(), f, "c", names)
	var se *types.ServerException
	var nge *NodegroupError
	if !errors.As(err, &se) || !errors.As(err, &nge) || nge.Name != "ng-013" {
		t.Fatalf("err = %v, want the ServerException of ng-013", err)
	}
}

func TestSecretsKeyARN(t *testing.T) {
	key := "arn:aws:kms:eu-west-1:111122223333:key/k"
	c := &types.Cluster{EncryptionConfig: []types.EncryptionConfig{
		{Resources: []string{"configmaps"}, Provider: &types.Provider{KeyArn: aws.String("other")}},
		{Resources: []string{"secrets"}, Provider: &types.Provider{KeyArn: aws.String(key)}},
	}}
	if got := SecretsKeyARN(c); got != key {
		t.Errorf("SecretsKeyARN = %q, want %q", got, key)
	}
	if got := SecretsKeyARN(&types.Cluster{}); got != "" {
		t.Errorf("SecretsKeyARN of an unencrypted cluster = %q", got)
	}
	if got := SecretsKeyARN(nil); got != "" {
		t.Errorf("SecretsKeyARN(nil) = %q", got)
	}
}

func TestAssociateSecretsKey(t *testing.T) {
	f := newFake(0)
	u, err := AssociateSecretsKey(context.Background(), f, "c", "arn:aws:kms:eu-west-1:111122223333:key/k")
	if err != nil || aws.ToString(u.Id) != "u-1" {
		t.Fatalf("AssociateSecretsKey = %v, %v", u, err)
	}
	ec := f.associated.EncryptionConfig
	if len(ec) != 1 || !slices.Equal(ec[0].Resources, []string{"secrets"}) || aws.ToString(ec[0].Provider.KeyArn) != "arn:aws:kms:eu-west-1:111122223333:key/k" { //nolint:staticcheck // the request still carries "secrets"
		t.Fatalf("AssociateEncryptionConfig got %+v", ec)
	}
}

var fastWait = WaitOptions{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func TestWaitForUpdate(t *testing.T) {
	detail := types.ErrorDetail{ErrorCode: types.ErrorCodeAccessDenied, ErrorMessage: aws.String("kms:CreateGrant denied"), ResourceIds: []string{"arn:key"}}
	cases := []struct {
		name     string
		statuses []types.UpdateStatus
		wantErr  string
		polls    int
	}{
		{"successful after polling", []types.UpdateStatus{"InProgress", "InProgress", "Successful"}, "", 3},
		{"already successful", []types.UpdateStatus{"Successful"}, "", 1},
		{"failed", []types.UpdateStatus{"InProgress", "Failed"}, `update u-1 (AssociateEncryptionConfig) of cluster "c" ended Failed; AccessDenied: kms:CreateGrant denied (resources: [arn:key])`, 2},
		{"cancelled", []types.UpdateStatus{"Cancelled"}, "ended Cancelled", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(0)
			f.statuses, f.errDetails = tc.statuses, []types.ErrorDetail{detail}
			u, err := WaitForUpdate(context.Background(), f, "c", "u-1", fastWait)
			if f.polls != tc.polls {
				t.Errorf("DescribeUpdate was called %d times, want %d", f.polls, tc.polls)
			}
			if tc.wantErr == "" {
				if err != nil || u.Status != types.UpdateStatusSuccessful {
					t.Fatalf("WaitForUpdate = %v, %v; want Successful", u, err)
				}
				return
			}
			var failed *UpdateFailedError
			if !errors.As(err, &failed) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want an UpdateFailedError containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestWaitForUpdateHonoursDeadline(t *testing.T) {
	f := newFake(0)
	f.statuses = []types.UpdateStatus{"InProgress"}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := WaitForUpdate(ctx, f, "c", "u-1", WaitOptions{MinDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond})
	var to *UpdateTimeoutError
	if !errors.As(err, &to) || to.LastStatus != types.UpdateStatusInProgress || to.UpdateID != "u-1" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want an UpdateTimeoutError for u-1 InProgress, of a deadline", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("WaitForUpdate returned %s after the deadline", took)
	}
	if f.polls < 2 {
		t.Errorf("DescribeUpdate was called %d times before the deadline, want several", f.polls)
	}
	// A context already past its deadline makes no call.
	<-ctx.Done()
	f.polls = 0
	_, err = WaitForUpdate(ctx, f, "c", "u-1", fastWait)
	if !errors.As(err, &to) || f.polls != 0 {
		t.Fatalf("after the deadline: err = %v, %d calls", err, f.polls)
	}
}

func TestWaitForUpdateAPIError(t *testing.T) {
	f := newFake(0)
	f.pollErr = &types.ResourceNotFoundException{Message: aws.String("No update found")}
	_, err := WaitForUpdate(context.Background(), f, "c", "u-1", fastWait)
	if !IsNotFound(err) || !strings.Contains(err.Error(), `DescribeUpdate u-1 of cluster "c"`) {
		t.Fatalf("err = %v, want the wrapped ResourceNotFoundException", err)
	}
}

func TestDescribe(t *testing.T) {
	op := Op{Action: "DescribeCluster", Cluster: "prod", Region: "eu-west-1"}
	throttled := &retry.MaxAttemptsError{Attempt: 10, Err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}
	cases := []struct {
		name          string
		op            Op
		err           error
		summary, want string
	}{
		{"not found", op, &types.ResourceNotFoundException{Message: aws.String("No cluster found for name: prod.")},
			"EKS Cluster Not Found", `No EKS cluster named "prod" exists in region eu-west-1`},
		{"update not found", Op{Action: "DescribeUpdate", Cluster: "prod"}, &types.ResourceNotFoundException{Message: aws.String("gone")},
			"EKS Resource Not Found", `DescribeUpdate of cluster "prod": gone`},
		{"access denied", op, &types.AccessDeniedException{Message: aws.String("not authorized")},
			"AWS Permission Denied", `needs the IAM permission "eks:DescribeCluster"`},
		{"bad credentials", op, &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "bad token"},
			"AWS Credentials Rejected", "bad token"},
		{"throttled", op, throttled, "EKS API Throttled", "throttled by EKS 10 times in a row: Rate exceeded"},
		{"deadline", op, fmt.Errorf("operation error EKS: DescribeCluster: %w", context.DeadlineExceeded),
			"EKS API Call Timed Out", `DescribeCluster of cluster "prod" in eu-west-1 did not finish in time`},
		{"config", op, &ConfigError{Err: errors.New("no AWS region is configured")}, "Invalid AWS Provider Configuration", "no AWS region is configured"},
		{"unknown config", op, ErrUnknownConfig, "AWS Configuration Not Yet Known", "cannot be made during this plan"},
		{"update failed", op, &UpdateFailedError{Cluster: "prod", Update: types.Update{Id: aws.String("u"), Status: types.UpdateStatusFailed}},
			"EKS Update Failed", "ended Failed without error details"},
		{"update timeout", op, &UpdateTimeoutError{Cluster: "prod", UpdateID: "u", LastStatus: "InProgress", Waited: time.Minute, Err: context.DeadlineExceeded},
			"Timed Out Waiting For EKS Update", "was still InProgress after 1m0s"},
		{"invalid request", op, &types.InvalidRequestException{Message: aws.String("already enabled")},
			"EKS API Error", "EKS refused DescribeCluster of cluster \"prod\" in eu-west-1: already enabled (InvalidRequestException)"},
		{"other", op, errors.New("connection refused"), "EKS API Error", "failed: connection refused"},
	}
	for _, tc := range cases {
		summary, detail := Describe(tc.op, tc.err)
		if summary != tc.summary || !strings.Contains(detail, tc.want) {
			t.Errorf("%s: Describe = %q, %q; want %q containing %q", tc.name, summary, detail, tc.summary, tc.want)
		}
	}
}

func encryptionUpdate(id string, status types.UpdateStatus, key string) types.Update {
	return types.Update{Id: aws.String(id), Status: status, Type: types.UpdateTypeAssociateEncryptionConfig,
		Params: []types.UpdateParam{{Type: types.UpdateParamTypeEncryptionConfig, Value: aws.String(`[{"resources":["secrets"],"provider":{"keyArn":"` + key + `"}}]`)}}}
}

// TestRunningAssociation: after ResourceInUseException, the association
// of the same key still in progress is found across ListUpdates pages;
// anything else is a BusyError that lists what runs.
func TestRunningAssociation(t *testing.T) {
	const key, other = "arn:aws:kms:eu-west-1:111122223333:key/k", "arn:aws:kms:eu-west-1:111122223333:key/other"
	f := newFake(0)
	started := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	version := types.Update{Id: aws.String("u-version"), Status: types.UpdateStatusInProgress, Type: types.UpdateTypeVersionUpdate, CreatedAt: &started}
	f.updates = []types.Update{
		encryptionUpdate("u-done", types.UpdateStatusSuccessful, other),
		version,
		encryptionUpdate("u-failed", types.UpdateStatusFailed, key),
		encryptionUpdate("u-running", types.UpdateStatusInProgress, key),
	}
	inUse := &types.ResourceInUseException{Message: aws.String("Cluster has an update in progress")}
	if !IsInUse(fmt.Errorf("wrapped: %w", inUse)) {
		t.Fatal("IsInUse does not see a wrapped ResourceInUseException")
	}
	running, err := RunningUpdates(context.Background(), f, "c")
	if err != nil || len(running) != 2 {
		t.Fatalf("RunningUpdates = %v, %v; want u-version and u-running", running, err)
	}
	u, err := RunningAssociation("c", running, key, inUse)
	if err != nil || aws.ToString(u.Id) != "u-running" {
		t.Fatalf("RunningAssociation(key) = %v, %v; want u-running", u, err)
	}
	_, err = RunningAssociation("c", running, other, inUse)
	var busy *BusyError
	if !errors.As(err, &busy) || !IsInUse(err) {
		t.Fatalf("RunningAssociation(other) = %v; want a BusyError wrapping the ResourceInUseException", err)
	}
	summary, detail := Describe(Op{Action: "AssociateEncryptionConfig", Cluster: "c", Region: "eu-west-1"}, err)
	for _, want := range []string{"u-version (VersionUpdate, started 2026-11-26T05:00:00Z)", "u-running (AssociateEncryptionConfig, key " + key + ")",
		"aws eks describe-update --name c --update-id <id>"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if summary != "EKS Cluster Busy" || strings.Contains(detail, "u-done") || strings.Contains(detail, "u-failed") {
		t.Errorf("%s: %s", summary, detail)
	}
	if UpdateKeyARN(version) != "" {
		t.Error("a version update has no key")
	}
}
