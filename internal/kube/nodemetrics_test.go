package kube

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestParseCgroupVersion reads the gauge as the kubelet exposes it, and
// refuses what is not one gauge of 1 or 2.
func TestParseCgroupVersion(t *testing.T) {
	cases := []struct {
		name, text string
		want       int
		err        string
	}{
		{"v2", "# HELP kubelet_cgroup_version [ALPHA] cgroup version on the hosts.\n# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 2\n" +
			"# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n# TYPE kubelet_running_pods gauge\nkubelet_running_pods 7\n", 2, ""},
		{"v1", "# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 1\n", 1, ""},
		{"absent", "# TYPE kubelet_running_pods gauge\nkubelet_running_pods 7\n", 0, "have no kubelet_cgroup_version"},
		{"odd value", "# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version 3\n", 0, "is 3, neither 1 nor 2"},
		{"counter", "# TYPE kubelet_cgroup_version counter\nkubelet_cgroup_version 2\n", 0, "is not one gauge"},
		{"not metrics", "<html>", 0, "parsing the kubelet's metrics"},
	}
	for _, tc := range cases {
		got, err := ParseCgroupVersion(strings.NewReader(tc.text))
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: got %d, %v; want %d, an error containing %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// TestNodeCgroupVersionsBound reads 20 nodes through a server that counts
// the proxy reads in flight: never more than parallel at once, all of them
// used, results in the order of the names, a node that hangs is unknown
// after perNode without holding the others back, and the API server's
// refusal of nodes/proxy is told apart.
func TestNodeCgroupVersionsBound(t *testing.T) {
	const parallel, nodes = 8, 20
	var mu sync.Mutex
	inFlight, peak := 0, 0
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/") // /api/v1/nodes/<name>/proxy/metrics
		if len(parts) != 7 || parts[3] != "nodes" || parts[5] != "proxy" || parts[6] != "metrics" {
			http.NotFound(w, r)
			return
		}
		name := parts[4]
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		switch name {
		case "hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		case "forbidden":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,`+
				`"message":"nodes \"forbidden\" is forbidden: User \"u\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope"}`)
			return
		}
		// Hold each answer until the reads in flight reached the bound once
		// (polled, at most 1 s), so the peak does not depend on the
		// machine's speed; later reads answer at once.
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			mu.Lock()
			full := peak >= parallel
			mu.Unlock()
			if full {
				break
			}
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "node-"))
		fmt.Fprintf(w, "# TYPE kubelet_cgroup_version gauge\nkubelet_cgroup_version %d\n", 1+n%2)
	}))
	t.Cleanup(srv.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"hang", "forbidden"}
	for i := range nodes - len(names) {
		names = append(names, fmt.Sprintf("node-%d", i))
	}
	start := time.Now()
	got := NodeCgroupVersions(context.Background(), cs, names, parallel, 2*time.Second)
	elapsed := time.Since(start)

	if peak != parallel {
		t.Errorf("at most %d reads in flight at once, all of them used: the peak was %d", parallel, peak)
	}
	if got[0].Version != 0 || got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "did not answer within 2s") {
		t.Errorf("hanging node: %+v, want unknown with the time limit named", got[0])
	}
	if !got[1].Forbidden || got[1].Version != 0 {
		t.Errorf("refused node: %+v, want Forbidden", got[1])
	}
	for i, name := range names[2:] {
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "node-"))
		if r := got[i+2]; r.Version != 1+n%2 || r.Err != nil || r.Forbidden {
			t.Errorf("%s: %+v, want version %d", name, r, 1+n%2)
		}
	}
	// The answering nodes wait at most 1 s for the bound to fill: well under
	// the hanging node's 2 s, which bounds the whole.
	if elapsed > 3*time.Second {
		t.Errorf("took %s: the hanging node held the others back", elapsed)
	}
}
