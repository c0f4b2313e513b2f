package kube

import (
	"context"
	"os"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SnapshotEnv switches the namespace snapshot off when set to "off" (or
// "false", "0"): every read is then a GET, the one-request-per-resource
// design the benchmark compares against.
const SnapshotEnv = "KUBEHARDEN_NAMESPACE_SNAPSHOT"

// NamespaceSnapshot serves namespace reads of one provider process from one
// paginated LIST, so refreshing N namespace resources costs one LIST (a page
// per 500 namespaces) instead of N GETs.
//
// Consistency rule: the snapshot is taken on the first read and never
// refreshed. A namespace this process writes (MarkWritten) after that is
// never served from it again: its reads fall back to a GET, so a resource
// always sees its own writes. A namespace missing from the snapshot is read
// with a GET too, since other resources of the same apply may have created
// it since (a refresh pays one GET per namespace deleted outside Terraform).
// Other reads may be as old as the snapshot: a caller that writes must not
// trust the UID it reads here (see the pod security resource's write, which
// lets the API server check it). Nothing is cached across processes:
// Terraform starts a new provider process for each command.
type NamespaceSnapshot struct {
	mu       sync.Mutex
	taken    bool
	items    map[string]*corev1.Namespace
	written  map[string]bool
	set      map[string]map[string]bool
	disabled bool
}

// NewNamespaceSnapshot returns an empty snapshot, switched off when the
// environment says so.
func NewNamespaceSnapshot() *NamespaceSnapshot {
	v := os.Getenv(SnapshotEnv)
	return &NamespaceSnapshot{
		written:  map[string]bool{},
		set:      map[string]map[string]bool{},
		disabled: v == "off" || v == "false" || v == "0",
	}
}

// Get returns the namespace, or a NotFound API error when it does not exist.
// The returned object is shared: do not modify it.
func (s *NamespaceSnapshot) Get(ctx context.Context, c *Client, name string) (*corev1.Namespace, error) {
	s.mu.Lock()
	useSnapshot := !s.disabled && !s.written[name]
	if useSnapshot && !s.taken {
		items, err := listNamespaces(ctx, c)
		if err != nil {
			s.mu.Unlock()
			// A LIST may be forbidden where a GET is allowed (a Role
			// scoped to some namespaces): fall back to GETs.
			if apierrors.IsForbidden(err) {
				tflog.Info(ctx, "Listing namespaces is forbidden; reading each namespace with a GET instead", map[string]any{"error": err.Error()})
				s.mu.Lock()
				s.disabled = true
				s.mu.Unlock()
				return GetNamespace(ctx, c, name)
			}
			return nil, err
		}
		s.items, s.taken = items, true
		tflog.Debug(ctx, "Namespace snapshot taken", map[string]any{"namespaces": len(items)})
	}
	s.mu.Unlock()
	if !useSnapshot {
		return GetNamespace(ctx, c, name)
	}
	if ns, ok := s.items[name]; ok {
		return ns, nil
	}
	return GetNamespace(ctx, c, name)
}

// MarkWritten records that this process wrote the namespace, so later reads
// of it go to the API server.
func (s *NamespaceSnapshot) MarkWritten(name string) {
	s.mu.Lock()
	s.written[name] = true
	s.mu.Unlock()
}

// RecordSetLabels records labels that a write of this process set on the
// namespace. Within one apply, a resource destroyed after another one set
// the same labels (a resource moved to a new address without a moved
// block, or create_before_destroy) must leave them alone.
func (s *NamespaceSnapshot) RecordSetLabels(name string, keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set[name] == nil {
		s.set[name] = map[string]bool{}
	}
	for _, k := range keys {
		s.set[name][k] = true
	}
}

// LabelsSet reports whether a write of this process set the label key on
// the namespace.
func (s *NamespaceSnapshot) LabelsSet(name, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set[name][key]
}

// GetNamespace reads the namespace from the API server (never from a
// snapshot), retrying transient errors.
func GetNamespace(ctx context.Context, c *Client, name string) (*corev1.Namespace, error) {
	var ns *corev1.Namespace
	err := Retry(ctx, Op{Verb: "get", Resource: "namespaces", Name: name}, func(ctx context.Context) error {
		var err error
		ns, err = c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		return err
	})
	return ns, err
}

func listNamespaces(ctx context.Context, c *Client) (map[string]*corev1.Namespace, error) {
	items := map[string]*corev1.Namespace{}
	err := ListAll(ctx, Op{Verb: "list", Resource: "namespaces"}, PageOptions{}, c.Clientset.CoreV1().Namespaces().List, func(list *corev1.NamespaceList) error {
		for i := range list.Items {
			items[list.Items[i].Name] = &list.Items[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}
