package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

func TestTransient(t *testing.T) {
	gr := schema.GroupResource{Resource: "namespaces"}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"429", apierrors.NewTooManyRequests("slow down", 1), true},
		{"500", apierrors.NewInternalError(errors.New("boom")), true},
		{"503", apierrors.NewServiceUnavailable("down"), true},
		{"504 timeout", apierrors.NewTimeoutError("slow", 1), true},
		{"502 with a non-Status body", apierrors.NewGenericServerResponse(502, "GET", gr, "a", "<html>", 0, true), true},
		// client-go marks any answer without a Status body as unexpected:
		// a 401 or 403 of that kind is still not worth retrying.
		{"401 with a non-Status body", apierrors.NewGenericServerResponse(401, "GET", gr, "", "Unauthorized", 0, true), false},
		{"403 with a non-Status body", apierrors.NewGenericServerResponse(403, "GET", gr, "", "Forbidden", 0, true), false},
		{"401", apierrors.NewUnauthorized("bad token"), false},
		{"403", apierrors.NewForbidden(gr, "a", errors.New("no")), false},
		{"404", apierrors.NewNotFound(gr, "a"), false},
		{"409", apierrors.NewConflict(gr, "a", errors.New("stale")), false},
		{"422", apierrors.NewInvalid(schema.GroupKind{Kind: "Namespace"}, "a", nil), false},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"connection reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"TLS verification", x509.UnknownAuthorityError{}, false},
		{"deadline", context.DeadlineExceeded, false},
	}
	for _, c := range cases {
		if got := Transient(c.err); got != c.want {
			t.Errorf("Transient(%s: %v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestRetry_pastTheCap checks that retries go on at the capped interval
// until the context ends, rather than stopping when the cap is reached.
func TestRetry_pastTheCap(t *testing.T) {
	saved := retryBackoff
	t.Cleanup(func() { retryBackoff = saved })
	retryBackoff = wait.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 3, Cap: 2 * time.Millisecond}
	calls := 0
	err := Retry(context.Background(), Op{Verb: "get", Resource: "namespaces", Name: "a"}, func(context.Context) error {
		calls++
		if calls <= 20 {
			return apierrors.NewServiceUnavailable("down")
		}
		return nil
	})
	if err != nil || calls != 21 {
		t.Fatalf("Retry = %v after %d calls, want success after 21", err, calls)
	}
}

func TestRetry_notTransient(t *testing.T) {
	calls := 0
	want := apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "a", errors.New("no"))
	err := Retry(context.Background(), Op{Verb: "patch", Resource: "namespaces", Name: "a"}, func(context.Context) error {
		calls++
		return want
	})
	if calls != 1 || !apierrors.IsForbidden(err) {
		t.Fatalf("Retry = %v after %d calls, want the 403 after 1", err, calls)
	}
}

func TestRetry_deadlineNamesTheCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	err := Retry(ctx, Op{Verb: "list", Resource: "nodes"}, func(context.Context) error {
		return apierrors.NewServiceUnavailable("down")
	})
	if !errors.Is(err, context.DeadlineExceeded) || !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("Retry = %v, want the last 503 and a deadline", err)
	}
	if !strings.HasPrefix(err.Error(), "list nodes timed out after ") || !strings.Contains(err.Error(), "last error: down") {
		t.Fatalf("Retry = %q, want it to name the call and the last error", err)
	}
}
