package rewrite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// fakeStore is an API server in miniature for secrets: paged lists,
// resourceVersion preconditions on update, and hooks to inject faults.
type fakeStore struct {
	mu       sync.Mutex
	objs     map[string]*unstructured.Unstructured
	rv       int
	pageSize []int64
	updates  []string // "ns/name@rv" of each accepted update

	expireNextContinue bool
	failUpdate         map[string]error
	// beforeUpdate runs before an update is checked; it may change the store.
	beforeUpdate func(s *fakeStore, key string)
	// brokenLists and brokenUpdates are how many of the next lists and
	// updates fail transiently: a 503, then a dropped connection, in turn.
	brokenLists, brokenUpdates int
	// hang is the name of an object whose updates hang until the client
	// gives up; set before the first request.
	hang string
}

// breakTransiently answers a 503 or drops the connection, in turn, while
// *budget is positive, and reports whether it did.
func breakTransiently(w http.ResponseWriter, budget *int) bool {
	if *budget <= 0 {
		return false
	}
	*budget--
	if *budget%2 == 0 {
		writeStatus(w, apierrors.NewServiceUnavailable("injected"))
		return true
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
	return true
}

func newFakeStore(n int) *fakeStore {
	s := &fakeStore{objs: map[string]*unstructured.Unstructured{}, failUpdate: map[string]error{}}
	for i := range n {
		ns := "ns-" + strconv.Itoa(i%3)
		s.put(ns, fmt.Sprintf("s-%04d", i), "value-"+strconv.Itoa(i))
	}
	return s
}

// put stores an object with a new resourceVersion; the caller holds mu or
// owns s.
func (s *fakeStore) put(ns, name, data string) {
	s.rv++
	o := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": name, "namespace": ns, "resourceVersion": strconv.Itoa(s.rv)},
		"data":     map[string]any{"k": data},
	}}
	s.objs[ns+"/"+name] = o
}

func (s *fakeStore) keys() []string {
	var keys []string
	for k := range s.objs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// client serves the store over HTTP the way kube-apiserver does (paths,
// query parameters, Status errors), so the real dynamic client talks to it.
func (s *fakeStore) client(t *testing.T) dynamic.Interface {
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	c, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeStatus(w http.ResponseWriter, err error) {
	st := err.(apierrors.APIStatus).Status()
	st.Kind, st.APIVersion = "Status", "v1"
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	_ = json.NewEncoder(w).Encode(st)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *fakeStore) serve(w http.ResponseWriter, r *http.Request) {
	if s.hang != "" && r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/"+s.hang) {
		// Reading the body lets the server notice when the client closes
		// the connection.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/secrets":
		if breakTransiently(w, &s.brokenLists) {
			return
		}
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		s.pageSize = append(s.pageSize, int64(limit))
		start := 0
		if c := q.Get("continue"); c != "" {
			if s.expireNextContinue {
				s.expireNextContinue = false
				writeStatus(w, apierrors.NewResourceExpired("the continue token is too old"))
				return
			}
			// Like etcd, continue after the last key returned, whatever was
			// deleted meanwhile.
			start = sort.SearchStrings(s.keys(), c)
			if start < len(s.keys()) && s.keys()[start] == c {
				start++
			}
		}
		keys := s.keys()
		end := len(keys)
		if limit > 0 {
			end = min(start+limit, len(keys))
		}
		items := []any{}
		for _, k := range keys[start:end] {
			items = append(items, s.objs[k].Object)
		}
		meta := map[string]any{"resourceVersion": strconv.Itoa(s.rv)}
		if end < len(keys) {
			meta["continue"] = keys[end-1]
		}
		writeJSON(w, map[string]any{"apiVersion": "v1", "kind": "SecretList", "metadata": meta, "items": items})
	case len(parts) == 6 && parts[2] == "namespaces" && parts[4] == "secrets":
		key := parts[3] + "/" + parts[5]
		switch r.Method {
		case http.MethodGet:
			o, ok := s.objs[key]
			if !ok {
				writeStatus(w, apierrors.NewNotFound(secretsGVR.GroupResource(), parts[5]))
				return
			}
			writeJSON(w, o.Object)
		case http.MethodPut:
			u := &unstructured.Unstructured{}
			if err := json.NewDecoder(r.Body).Decode(&u.Object); err != nil {
				writeStatus(w, apierrors.NewBadRequest(err.Error()))
				return
			}
			if breakTransiently(w, &s.brokenUpdates) {
				return
			}
			if s.beforeUpdate != nil {
				s.beforeUpdate(s, key)
			}
			if err := s.failUpdate[key]; err != nil {
				writeStatus(w, err)
				return
			}
			cur, ok := s.objs[key]
			if !ok {
				writeStatus(w, apierrors.NewNotFound(secretsGVR.GroupResource(), parts[5]))
				return
			}
			if u.GetResourceVersion() != cur.GetResourceVersion() {
				writeStatus(w, apierrors.NewConflict(secretsGVR.GroupResource(), parts[5], errors.New("the object has been modified")))
				return
			}
			data, _, _ := unstructured.NestedString(u.Object, "data", "k")
			s.put(parts[3], parts[5], data)
			s.updates = append(s.updates, key+"@"+u.GetResourceVersion())
			writeJSON(w, s.objs[key].Object)
		}
	default:
		http.NotFound(w, r)
	}
}

var fastBackoff = wait.Backoff{Steps: 5, Duration: 1}

func TestRewritePagesThroughEverything(t *testing.T) {
	s := newFakeStore(1234)
	var res Result
	err := Run(context.Background(), s.client(t), Target{Name: "secrets", GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff}, &res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != 1234 || res.Skipped != 0 || res.Failed != 0 {
		t.Errorf("result %+v, want 1234 rewritten", res)
	}
	if got := fmt.Sprint(s.pageSize); got != "[500 500 500]" {
		t.Errorf("list calls with limits %s, want three pages of 500", got)
	}
	// Data is unchanged.
	for _, k := range s.keys() {
		if v, _, _ := unstructured.NestedString(s.objs[k].Object, "data", "k"); !strings.HasPrefix(v, "value-") {
			t.Fatalf("%s holds %q", k, v)
		}
	}
}

// TestRewriteNeverWritesAnOlderVersion: an object changed by someone else
// between the list and the update is refused by the precondition, read
// again, and the fresh content is what gets written.
func TestRewriteNeverWritesAnOlderVersion(t *testing.T) {
	s := newFakeStore(10)
	target := s.keys()[3]
	changed := false
	s.beforeUpdate = func(s *fakeStore, key string) {
		if key == target && !changed {
			changed = true
			ns, name, _ := strings.Cut(key, "/")
			s.put(ns, name, "changed-by-someone-else")
		}
	}
	var res Result
	if err := Run(context.Background(), s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != 10 || res.Failed != 0 {
		t.Errorf("result %+v", res)
	}
	if v, _, _ := unstructured.NestedString(s.objs[target].Object, "data", "k"); v != "changed-by-someone-else" {
		t.Errorf("%s holds %q: the rewrite overwrote a newer version", target, v)
	}
	n := 0
	for _, u := range s.updates {
		if strings.HasPrefix(u, target+"@") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d accepted updates of %s, want exactly 1 (with the fresh resourceVersion): %v", n, target, s.updates)
	}
}

func TestRewriteCountsSkippedAndFailed(t *testing.T) {
	s := newFakeStore(20)
	keys := s.keys()
	gone, forbidden, alwaysConflict := keys[0], keys[1], keys[2]
	s.beforeUpdate = func(s *fakeStore, key string) {
		if key == gone {
			delete(s.objs, key)
		}
	}
	s.failUpdate[forbidden] = apierrors.NewForbidden(secretsGVR.GroupResource(), "x", errors.New("no"))
	s.failUpdate[alwaysConflict] = apierrors.NewConflict(secretsGVR.GroupResource(), "y", errors.New("busy"))
	var res Result
	if err := Run(context.Background(), s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff, PageSize: 7}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != 17 || res.Skipped != 1 || res.Failed != 2 {
		t.Errorf("result %+v, want 17 rewritten, 1 skipped, 2 failed", res)
	}
	all := strings.Join(res.Failures, "\n")
	for _, want := range []string{"Kubernetes Permission Denied", `verbs: ["update"]`, "Kubernetes API Error"} {
		if !strings.Contains(all, want) {
			t.Errorf("failures lack %q:\n%s", want, all)
		}
	}
}

// TestRewriteRetriesTransientFaults: 503s and dropped connections on lists
// and updates are retried; every object is rewritten exactly once.
func TestRewriteRetriesTransientFaults(t *testing.T) {
	s := newFakeStore(30)
	s.brokenLists, s.brokenUpdates = 4, 4
	var res Result
	if err := Run(context.Background(), s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff, PageSize: 10, Workers: 1}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != 30 || res.Failed != 0 || res.Skipped != 0 {
		t.Errorf("result %+v, want 30 rewritten; failures: %v", res, res.Failures)
	}
	if s.brokenLists != 0 || s.brokenUpdates != 0 {
		t.Errorf("faults left unused: %d lists, %d updates", s.brokenLists, s.brokenUpdates)
	}
	if len(s.updates) != 30 {
		t.Errorf("%d updates accepted, want 30", len(s.updates))
	}
}

// TestRewriteTimeoutIsNotSuccess: an update still hanging when the context
// ends is the rewrite's failure, named after that object, and is not
// counted as rewritten. (client-go's retry.OnError returns nil for an error
// that wraps context.DeadlineExceeded when no retriable error came first.)
func TestRewriteTimeoutIsNotSuccess(t *testing.T) {
	s := newFakeStore(12)
	s.hang = "s-0004"
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var res Result
	err := Run(ctx, s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff}, &res)
	var ce *kube.CallError
	if !errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a *CallError wrapping context.DeadlineExceeded", err)
	}
	if ce.Op.Verb != "update" || ce.Op.Name != "s-0004" {
		t.Errorf("the error names %s, want the update of s-0004", ce.Op)
	}
	if res.Rewritten != 11 || res.Failed != 0 {
		t.Errorf("result %+v, want 11 rewritten (the hung one is not)", res)
	}
}

func TestRewriteRestartsAnExpiredList(t *testing.T) {
	s := newFakeStore(25)
	s.expireNextContinue = true
	var res Result
	if err := Run(context.Background(), s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff, PageSize: 10}, &res); err != nil {
		t.Fatal(err)
	}
	// The first page is rewritten twice: once before the expiry, once after.
	if res.Rewritten != 35 || res.Failed != 0 {
		t.Errorf("result %+v", res)
	}
}

// TestRewriteInterruptedThenRepeated stops a rewrite midway, as a killed
// provider would, then runs it again: everything is rewritten, nothing lost.
func TestRewriteInterruptedThenRepeated(t *testing.T) {
	s := newFakeStore(300)
	before := map[string]string{}
	for k, o := range s.objs {
		before[k], _, _ = unstructured.NestedString(o.Object, "data", "k")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	var res Result
	err := Run(ctx, s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff, PageSize: 50, AfterUpdate: func() {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 120 {
			cancel()
		}
	}}, &res)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted rewrite returned %v", err)
	}
	var ce *kube.CallError
	if !errors.As(err, &ce) || ce.Op.Verb == "" {
		t.Errorf("the error does not name the call: %v", err)
	}
	var again Result
	if err := Run(context.Background(), s.client(t), Target{GVR: secretsGVR, Namespaced: true}, Options{Backoff: &fastBackoff}, &again); err != nil {
		t.Fatal(err)
	}
	if again.Rewritten != 300 {
		t.Errorf("second run %+v", again)
	}
	for k, o := range s.objs {
		if v, _, _ := unstructured.NestedString(o.Object, "data", "k"); v != before[k] {
			t.Errorf("%s: %q became %q", k, before[k], v)
		}
	}
}
