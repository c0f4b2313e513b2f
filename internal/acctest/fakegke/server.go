package fakegke

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	container "google.golang.org/api/container/v1"
)

// Method IDs of the discovery document that the fake serves.
const (
	MethodGetCluster    = "container.projects.locations.clusters.get"
	MethodListClusters  = "container.projects.locations.clusters.list"
	MethodUpdateCluster = "container.projects.locations.clusters.update"
	MethodGetOperation  = "container.projects.locations.operations.get"
)

var served = []string{MethodGetCluster, MethodListClusters, MethodUpdateCluster, MethodGetOperation}

// DefaultPollsToDone is how many requests about a cluster an operation on it
// takes to go PENDING -> RUNNING -> DONE.
const DefaultPollsToDone = 3

// keyNameRE is how GKE checks databaseEncryption.keyName.
var keyNameRE = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

// Server is a fake Kubernetes Engine API. Its methods are safe for
// concurrent use by the test and the provider.
type Server struct {
	// URL is the base URL to give the client as its endpoint, with a
	// trailing slash, e.g. "http://127.0.0.1:41234/".
	URL string

	disc *Discovery
	http *httptest.Server

	mu             sync.Mutex
	clusters       map[string]*cluster   // by resource name
	operations     map[string]*operation // by resource name
	seq            int
	pollsToDone    int
	encryptedState string
	violations     []string
	calls          map[string]int
	errors         map[string]int
	// mutate, when set, edits each response body before it is checked:
	// the fake's own tests use it to send what the API never would.
	mutate func(method string, body map[string]any)
}

type cluster struct {
	project, location string
	c                 *container.Cluster
	active            *operation // the running operation, if any
	failNext          string     // message the next update operation fails with
}

type operation struct {
	name    string // resource name
	cluster *cluster
	op      *container.Operation
	polls   int
	need    int
	fail    string
	before  *container.DatabaseEncryption // restored when the operation fails
	apply   func(c *container.Cluster)    // the change, made when DONE
}

// Start starts a fake on 127.0.0.1 for the test. When the test ends the
// fake stops, and every request or response that broke the discovery
// document fails the test.
func Start(t testing.TB) *Server {
	t.Helper()
	d, err := LoadDiscovery()
	if err != nil {
		t.Fatalf("fake GKE: loading the discovery document: %v", err)
	}
	s := newServer(d)
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("fake GKE: the discovery document was not respected: %s", v)
		}
	})
	return s
}

func newServer(d *Discovery) *Server {
	s := &Server{
		disc:           d,
		clusters:       map[string]*cluster{},
		operations:     map[string]*operation{},
		pollsToDone:    DefaultPollsToDone,
		encryptedState: "ENCRYPTED",
		calls:          map[string]int{},
		errors:         map[string]int{},
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL + "/"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Violations returns what broke the discovery document so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Calls returns how many requests of a method (e.g. MethodUpdateCluster)
// the fake received.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Errors returns how many error answers of a status (e.g.
// "FAILED_PRECONDITION") the fake sent.
func (s *Server) Errors(status string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errors[status]
}

// SetPollsToDone sets how many requests about a cluster its next operations
// take to finish (at least 1).
func (s *Server) SetPollsToDone(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollsToDone = max(n, 1)
}

// SetEncryptedState sets the databaseEncryption.state the fake reports after
// an ENCRYPTED request: "ENCRYPTED" (the default) or
// "ALL_OBJECTS_ENCRYPTION_ENABLED", as clusters that encrypt all objects do.
func (s *Server) SetEncryptedState(state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.encryptedState = state
}

// Name is the resource name of a cluster.
func Name(project, location, name string) string {
	return "projects/" + project + "/locations/" + location + "/clusters/" + name
}

// AddCluster adds a copy of c, named c.Name, in project and location. Unset
// fields get what GKE would report: status RUNNING, encryption DECRYPTED,
// location, zone and selfLink.
func (s *Server) AddCluster(project, location string, c *container.Cluster) {
	c = clone(c)
	c.Location = location
	c.Zone = location
	if c.Status == "" {
		c.Status = "RUNNING"
	}
	if c.DatabaseEncryption == nil {
		c.DatabaseEncryption = &container.DatabaseEncryption{State: "DECRYPTED", CurrentState: "CURRENT_STATE_DECRYPTED"}
	}
	name := Name(project, location, c.Name)
	c.SelfLink = s.URL + "v1/" + name
	for _, np := range c.NodePools {
		if np.SelfLink == "" {
			np.SelfLink = c.SelfLink + "/nodePools/" + np.Name
		}
		if np.Status == "" {
			np.Status = "RUNNING"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusters[name] = &cluster{project: project, location: location, c: c}
}

// Cluster returns a copy of a cluster as the fake holds it, or nil.
func (s *Server) Cluster(project, location, name string) *container.Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.clusters[Name(project, location, name)]
	if cl == nil {
		return nil
	}
	return clone(cl.c)
}

// UpdateCluster changes a cluster behind the client's back. It fails the
// test when the cluster does not exist.
func (s *Server) UpdateCluster(t testing.TB, project, location, name string, f func(c *container.Cluster)) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.mustCluster(t, project, location, name)
	f(cl.c)
}

// mustCluster returns the cluster, and fails the test when it does not
// exist (Fatalf ends the test's goroutine). Callers hold s.mu.
func (s *Server) mustCluster(t testing.TB, project, location, name string) *cluster {
	t.Helper()
	cl := s.clusters[Name(project, location, name)]
	if cl == nil {
		t.Fatalf("fake GKE: no cluster %s", Name(project, location, name))
	}
	return cl
}

// DeleteCluster removes a cluster, as if deleted outside Terraform.
func (s *Server) DeleteCluster(project, location, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clusters, Name(project, location, name))
}

// FailNextOperation makes the next update of the cluster end DONE with an
// error whose message is msg; the cluster is left unchanged.
func (s *Server) FailNextOperation(t testing.TB, project, location, name, msg string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.mustCluster(t, project, location, name)
	cl.failNext = msg
}

// StartOperation starts an operation of type opType (e.g. "UPGRADE_MASTER")
// on the cluster, as another client would. It takes polls requests about the
// cluster to finish; meanwhile updates of the cluster are refused with 400
// FAILED_PRECONDITION. apply, if not nil, is the change made when it is
// DONE. It returns the operation's resource name.
func (s *Server) StartOperation(t testing.TB, project, location, name, opType string, polls int, apply func(c *container.Cluster)) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.mustCluster(t, project, location, name)
	if cl.active != nil {
		t.Fatalf("fake GKE: cluster %s already runs operation %s", cl.c.Name, cl.active.op.Name)
		return ""
	}
	o := s.newOperation(cl, opType, max(polls, 1))
	o.apply = apply
	return o.name
}

// newOperation starts an operation on cl. Callers hold s.mu.
func (s *Server) newOperation(cl *cluster, opType string, need int) *operation {
	s.seq++
	id := fmt.Sprintf("operation-%d-%08x", s.seq, uint32(s.seq)*2654435761)
	name := "projects/" + cl.project + "/locations/" + cl.location + "/operations/" + id
	o := &operation{
		name:    name,
		cluster: cl,
		need:    need,
		op: &container.Operation{
			Name:          id,
			OperationType: opType,
			Status:        "PENDING",
			Location:      cl.location,
			Zone:          cl.location,
			SelfLink:      s.URL + "v1/" + name,
			TargetLink:    cl.c.SelfLink,
			StartTime:     time.Now().UTC().Format(time.RFC3339Nano),
		},
	}
	s.operations[name] = o
	cl.active = o
	cl.c.Status = "RECONCILING"
	return o
}

// tick moves the cluster's running operation one step: every request about
// a cluster counts, so an operation finishes however the client waits.
// Callers hold s.mu.
func (s *Server) tick(cl *cluster) {
	o := cl.active
	if o == nil {
		return
	}
	o.polls++
	if o.polls < o.need {
		o.op.Status = "RUNNING"
		return
	}
	o.op.Status = "DONE"
	o.op.EndTime = time.Now().UTC().Format(time.RFC3339Nano)
	cl.active = nil
	cl.c.Status = "RUNNING"
	if o.fail != "" {
		o.op.Error = &container.Status{Code: 9, Message: o.fail}
		o.op.StatusMessage = o.fail
		if o.before != nil {
			cl.c.DatabaseEncryption = o.before
		}
		return
	}
	if o.apply != nil {
		o.apply(cl.c)
	}
}

// serve routes a request to the method of the discovery document it calls.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var m *Method
	var params map[string]string
	for _, id := range served {
		if p, ok := s.disc.Method(id).Match(r.Method, r.URL.Path); ok {
			m, params = s.disc.Method(id), p
			break
		}
	}
	if m == nil {
		s.violation(fmt.Sprintf("%s %s is not a method the fake serves (%s)", r.Method, r.URL.Path, strings.Join(served, ", ")))
		s.fail(w, http.StatusNotImplemented, "UNIMPLEMENTED", fmt.Sprintf("The fake GKE server does not implement %s %s.", r.Method, r.URL.Path))
		return
	}
	s.mu.Lock()
	s.calls[m.ID]++
	s.mu.Unlock()
	if v := s.disc.CheckQuery(m, r.URL.Query()); len(v) > 0 {
		s.record(m.ID, "request", v)
		s.fail(w, http.StatusInternalServerError, "INTERNAL", "The request breaks the discovery document: "+strings.Join(v, "; "))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) == "" {
		s.fail(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token.")
		return
	}
	var body []byte
	if m.Request != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Reading the body: "+err.Error())
			return
		}
		if v := s.disc.Check(m.Request.Ref, b, Request); len(v) > 0 {
			s.record(m.ID, "request", v)
			s.fail(w, http.StatusInternalServerError, "INTERNAL", "The request breaks the discovery document: "+strings.Join(v, "; "))
			return
		}
		body = b
	}
	switch m.ID {
	case MethodGetCluster:
		s.getCluster(w, m, params["name"])
	case MethodListClusters:
		s.listClusters(w, m, params["parent"])
	case MethodUpdateCluster:
		s.updateCluster(w, m, params["name"], body)
	case MethodGetOperation:
		s.getOperation(w, m, params["name"])
	}
}

// lockCluster takes the lock and returns the cluster called name, with
// its running operation advanced. When there is none it answers 404,
// releases the lock and returns nil.
func (s *Server) lockCluster(w http.ResponseWriter, name string) *cluster {
	s.mu.Lock()
	cl := s.clusters[name]
	if cl == nil {
		s.mu.Unlock()
		s.notFound(w, name)
		return nil
	}
	s.tick(cl)
	return cl
}

func (s *Server) getCluster(w http.ResponseWriter, m *Method, name string) {
	cl := s.lockCluster(w, name)
	if cl == nil {
		return
	}
	out := clone(cl.c)
	s.mu.Unlock()
	s.reply(w, m, out)
}

func (s *Server) listClusters(w http.ResponseWriter, m *Method, parent string) {
	project, location, _ := strings.Cut(strings.TrimPrefix(parent, "projects/"), "/locations/")
	s.mu.Lock()
	var names []string
	for n, cl := range s.clusters {
		if cl.project == project && (location == "-" || cl.location == location) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := &container.ListClustersResponse{}
	for _, n := range names {
		s.tick(s.clusters[n])
		out.Clusters = append(out.Clusters, clone(s.clusters[n].c))
	}
	s.mu.Unlock()
	s.reply(w, m, out)
}

func (s *Server) updateCluster(w http.ResponseWriter, m *Method, name string, body []byte) {
	var req container.UpdateClusterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	// Only one kind of update is implemented: refuse the rest loudly, so a
	// test never passes on an update the fake silently ignored.
	var raw struct {
		Update map[string]json.RawMessage `json:"update"`
	}
	_ = json.Unmarshal(body, &raw)
	for k := range raw.Update {
		if k != "desiredDatabaseEncryption" {
			s.violation(fmt.Sprintf("%s: the fake implements only update.desiredDatabaseEncryption, got update.%s", m.ID, k))
			s.fail(w, http.StatusNotImplemented, "UNIMPLEMENTED", "The fake GKE server does not implement update."+k+".")
			return
		}
	}
	if req.Name != "" && req.Name != name {
		s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("The name in the body (%q) differs from the name in the URL (%q).", req.Name, name))
		return
	}
	de := (*container.DatabaseEncryption)(nil)
	if req.Update != nil {
		de = req.Update.DesiredDatabaseEncryption
	}
	if de == nil {
		s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Update must have exactly one field set.")
		return
	}
	switch de.State {
	case "ENCRYPTED", "ALL_OBJECTS_ENCRYPTION_ENABLED":
		if !keyNameRE.MatchString(de.KeyName) {
			s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("Invalid value for field 'update.desiredDatabaseEncryption.keyName': %q. Must be of the form projects/*/locations/*/keyRings/*/cryptoKeys/*.", de.KeyName))
			return
		}
	case "DECRYPTED":
	default:
		s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("Invalid value for field 'update.desiredDatabaseEncryption.state': %q.", de.State))
		return
	}

	cl := s.lockCluster(w, name)
	if cl == nil {
		return
	}
	if cl.active != nil {
		id := cl.active.op.Name
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, "FAILED_PRECONDITION", fmt.Sprintf("Cluster is running incompatible operation %s.", id))
		return
	}
	o := s.newOperation(cl, "UPDATE_CLUSTER", s.pollsToDone)
	o.before = clone(cl.c).DatabaseEncryption
	o.fail, cl.failNext = cl.failNext, ""
	pending := &container.DatabaseEncryption{State: "DECRYPTED"}
	if cl.c.DatabaseEncryption != nil {
		*pending = *cl.c.DatabaseEncryption
	}
	if de.State == "DECRYPTED" {
		pending.CurrentState = "CURRENT_STATE_DECRYPTION_PENDING"
	} else {
		pending.CurrentState = "CURRENT_STATE_ENCRYPTION_PENDING"
	}
	cl.c.DatabaseEncryption = pending
	encryptedAs := s.encryptedState
	o.apply = func(c *container.Cluster) {
		if de.State == "DECRYPTED" {
			c.DatabaseEncryption = &container.DatabaseEncryption{State: "DECRYPTED", CurrentState: "CURRENT_STATE_DECRYPTED"}
			return
		}
		state := de.State
		if state == "ENCRYPTED" {
			state = encryptedAs
		}
		c.DatabaseEncryption = &container.DatabaseEncryption{State: state, KeyName: de.KeyName, CurrentState: "CURRENT_STATE_" + state}
	}
	out := *o.op
	s.mu.Unlock()
	s.reply(w, m, &out)
}

func (s *Server) getOperation(w http.ResponseWriter, m *Method, name string) {
	s.mu.Lock()
	o := s.operations[name]
	if o == nil {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Not found: operation %s.", name))
		return
	}
	s.tick(o.cluster)
	out := *o.op
	s.mu.Unlock()
	s.reply(w, m, &out)
}

func (s *Server) notFound(w http.ResponseWriter, name string) {
	s.fail(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Not found: %s.", name))
}

// reply sends v as the method's response, after checking it against the
// response schema.
func (s *Server) reply(w http.ResponseWriter, m *Method, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "INTERNAL", "Encoding the response: "+err.Error())
		return
	}
	s.mu.Lock()
	mutate := s.mutate
	s.mu.Unlock()
	if mutate != nil {
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err == nil {
			mutate(m.ID, obj)
			b, _ = json.Marshal(obj)
		}
	}
	if v := s.disc.Check(m.Response.Ref, b, Response); len(v) > 0 {
		s.record(m.ID, "response", v)
		s.fail(w, http.StatusInternalServerError, "INTERNAL", "The fake's response breaks the discovery document: "+strings.Join(v, "; "))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(b)
}

// reasons are the legacy "errors[].reason" values Google sends beside each
// canonical status.
var reasons = map[string]string{
	"INVALID_ARGUMENT":    "badRequest",
	"FAILED_PRECONDITION": "failedPrecondition",
	"NOT_FOUND":           "notFound",
	"UNAUTHENTICATED":     "required",
	"INTERNAL":            "backendError",
	"UNIMPLEMENTED":       "notImplemented",
}

// fail sends an error in Google's JSON error format.
func (s *Server) fail(w http.ResponseWriter, code int, status, msg string) {
	s.mu.Lock()
	s.errors[status]++
	s.mu.Unlock()
	body := map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"status":  status,
		"errors":  []any{map[string]any{"message": msg, "domain": "global", "reason": reasons[status]}},
	}}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func (s *Server) violation(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, msg)
}

// record notes the problems of one request or response.
func (s *Server) record(method, what string, problems []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range problems {
		s.violations = append(s.violations, method+" "+what+": "+p)
	}
}

// clone deep-copies an API object through its JSON form, as the wire would.
func clone[T any](v *T) *T {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fake GKE: encoding %T: %v", v, err))
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("fake GKE: decoding %T: %v", v, err))
	}
	return out
}
