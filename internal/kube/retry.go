package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Transient reports whether err is worth retrying: throttling (429), the
// server's own 5xx answers and timeouts, and a connection that broke
// mid-request. Conflicts, validation and permission errors are not.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	// An answer with a status code is judged by the code alone: client-go
	// marks any answer whose body is not a Status object as "unexpected
	// server response", a 401 or a 403 included.
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Code != 0 {
		code := se.Status().Code
		return code == 429 || code == 500 || code == 502 || code == 503 || code == 504
	}
	switch {
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsServiceUnavailable(err),
		apierrors.IsInternalError(err), apierrors.IsTimeout(err):
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	// A dial or read that failed on the network; TLS verification failures
	// are not *net.OpError and are never retried.
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	return strings.Contains(err.Error(), "connection reset by peer") || strings.Contains(err.Error(), "http2: server sent GOAWAY")
}

// retryBackoff spaces the attempts of Retry: exponential from 250ms, then
// every 8s (with jitter) until the context ends.
var retryBackoff = wait.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 6, Cap: 8 * time.Second}

// Retry calls fn until it succeeds, fails with a non-transient error, or ctx
// ends (the resource's timeout), backing off exponentially from 250ms to 8s.
// Only idempotent calls (server-side apply, GET, LIST, preconditioned
// updates) may be retried. When ctx ends, the error says which call was
// still failing and why.
func Retry(ctx context.Context, op Op, fn func(context.Context) error) error {
	var last error
	attempt := 0
	// DelayFunc keeps waiting Cap between attempts once it is reached,
	// where ExponentialBackoff would stop there: only ctx ends the retries.
	err := retryBackoff.DelayFunc().Until(ctx, true, false, func(ctx context.Context) (bool, error) {
		attempt++
		last = fn(ctx)
		if last == nil {
			return true, nil
		}
		if !Transient(last) || ctx.Err() != nil {
			return false, last
		}
		tflog.Debug(ctx, "Transient Kubernetes API error; retrying", map[string]any{"call": op.String(), "attempt": attempt, "error": last.Error()})
		return false, nil
	})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		if last == nil || errors.Is(last, context.DeadlineExceeded) || errors.Is(last, context.Canceled) {
			return fmt.Errorf("%s timed out after %d attempt(s): %w", op, attempt, context.DeadlineExceeded)
		}
		return fmt.Errorf("%s timed out after %d attempt(s); last error: %w", op, attempt, errors.Join(last, context.DeadlineExceeded))
	}
	return err
}
