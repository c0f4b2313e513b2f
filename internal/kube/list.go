package kube

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultPageSize is the LIST page size when PageOptions.PageSize is 0.
const DefaultPageSize = 500

// PageOptions tune ListAll.
type PageOptions struct {
	// PageSize is the number of objects asked for per page (the LIST's
	// limit); DefaultPageSize when 0.
	PageSize int64
	// RestartExpired is how many times a continue token that expired (410
	// Gone: it outlived etcd's compaction) starts the list over from the
	// first page. The pages already seen are handed to page again, so only
	// a caller for which that is harmless sets it; with 0 the 410 is
	// returned.
	RestartExpired int
}

// ListAll pages through a LIST: it calls list with a limit and the continue
// token of the previous page until the server says there is no more, and
// hands each page to page. Each page is retried with Retry (same continue
// token, which stays valid for minutes). A failed list call is returned as
// a *CallError naming op; an error from page is returned as it is.
func ListAll[L metav1.ListInterface](ctx context.Context, op Op, o PageOptions, list func(context.Context, metav1.ListOptions) (L, error), page func(L) error) error {
	opts := metav1.ListOptions{Limit: o.PageSize}
	if opts.Limit == 0 {
		opts.Limit = DefaultPageSize
	}
	for restarts := 0; ; {
		var l L
		err := Retry(ctx, op, func(ctx context.Context) error {
			var err error
			l, err = list(ctx, opts)
			return err
		})
		if apierrors.IsResourceExpired(err) && restarts < o.RestartExpired {
			restarts++
			opts.Continue = ""
			continue
		}
		if err != nil {
			return &CallError{Op: op, Err: err}
		}
		if err := page(l); err != nil {
			return err
		}
		if l.GetContinue() == "" {
			return nil
		}
		opts.Continue = l.GetContinue()
	}
}
