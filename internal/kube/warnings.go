package kube

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// WarningRecorder collects the API server's warnings (the Warning response
// header) for the requests made with one context. Recording is per request
// context, never through client-go's process-wide default handler, so
// concurrent resources never see each other's warnings.
type WarningRecorder struct {
	mu       sync.Mutex
	messages []string
}

type recorderKey struct{}

// WithWarningRecorder returns a context whose requests record their warnings
// in the returned recorder.
func WithWarningRecorder(ctx context.Context) (context.Context, *WarningRecorder) {
	r := &WarningRecorder{}
	return context.WithValue(ctx, recorderKey{}, r), r
}

// Reset forgets what was recorded, before a retry of the same request.
func (r *WarningRecorder) Reset() {
	r.mu.Lock()
	r.messages = nil
	r.mu.Unlock()
}

// Messages returns the recorded warnings, in the order the server sent them.
func (r *WarningRecorder) Messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...)
}

type warningRouter struct{}

func (warningRouter) HandleWarningHeaderWithContext(ctx context.Context, code int, _ string, message string) {
	if code != 299 || message == "" {
		return
	}
	if r, ok := ctx.Value(recorderKey{}).(*WarningRecorder); ok {
		r.mu.Lock()
		r.messages = append(r.messages, message)
		r.mu.Unlock()
		return
	}
	tflog.Warn(ctx, "Kubernetes API warning", map[string]any{"warning": message})
}
