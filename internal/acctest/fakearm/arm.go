package fakearm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

// ARM paths are case-insensitive.
var (
	clusterPath   = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.ContainerService/managedClusters/([^/]+)$`)
	operationPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/Microsoft\.ContainerService/locations/([^/]+)/operations/([^/]+)$`)
	// versionedKeyID is a Key Vault key URL with its version, as AKS
	// requires for azureKeyVaultKms.keyId.
	versionedKeyID = regexp.MustCompile(`^https://[^/]+/keys/[^/]+/[^/]+$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if m := openIDConfigPath.FindStringSubmatch(p); m != nil && r.Method == http.MethodGet {
		s.openIDConfiguration(w, r, m[1])
		return
	}
	if m := tokenPath.FindStringSubmatch(p); m != nil && r.Method == http.MethodPost {
		s.token(w, r, m[1])
		return
	}
	cm := clusterPath.FindStringSubmatch(p)
	om := operationPath.FindStringSubmatch(p)
	if (cm == nil || (r.Method != http.MethodGet && r.Method != http.MethodPut)) && (om == nil || r.Method != http.MethodGet) {
		s.violation(fmt.Sprintf("%s %s is not a request the fake serves", r.Method, p))
		s.armError(w, http.StatusNotFound, "NotImplementedInFake", fmt.Sprintf("The fake ARM server does not serve %s %s.", r.Method, p))
		return
	}
	switch present, valid := s.validToken(r); {
	case !present:
		s.armError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return
	case !valid:
		s.armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return
	}
	s.mu.Lock()
	throttled := s.throttle > 0
	if throttled {
		s.throttle--
	}
	retryAfter := s.retryAfter
	s.mu.Unlock()
	if throttled {
		w.Header().Set("Retry-After", retryAfter)
		s.armError(w, http.StatusTooManyRequests, "SubscriptionRequestsThrottled", fmt.Sprintf("Number of requests for subscription exceeded the limit. Please try again after '%s' seconds.", retryAfter))
		return
	}
	switch v := r.URL.Query().Get("api-version"); v {
	case APIVersion:
	case "":
		s.armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	default:
		s.violation(fmt.Sprintf("%s %s: api-version %s, the fake models %s (armcontainerservice v6.6.0)", r.Method, p, v, APIVersion))
		s.armError(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. The fake supports '%s'.", v, APIVersion))
		return
	}
	switch {
	case om != nil:
		s.getOperation(w, om[1], om[3])
	case r.Method == http.MethodGet:
		s.getCluster(w, cm[1], cm[2], cm[3])
	default:
		s.putCluster(w, r, cm[1], cm[2], cm[3])
	}
}

// find resolves a cluster path as ARM does: subscription, then resource
// group, then the cluster. When something is missing it answers 404 with
// ARM's code for it and returns false. Callers hold s.mu.
func (s *Server) find(w http.ResponseWriter, sub, rg, name string, clusterNeeded bool) (*group, *cluster, bool) {
	sb := s.subs[strings.ToLower(sub)]
	if sb == nil {
		s.armError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", sub))
		return nil, nil, false
	}
	g := sb.groups[strings.ToLower(rg)]
	if g == nil {
		s.armError(w, http.StatusNotFound, "ResourceGroupNotFound", fmt.Sprintf("Resource group '%s' could not be found.", rg))
		return nil, nil, false
	}
	cl := g.clusters[strings.ToLower(name)]
	if cl == nil && clusterNeeded {
		s.armError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", ResourceType, name, rg))
		return nil, nil, false
	}
	return g, cl, true
}

func (s *Server) getCluster(w http.ResponseWriter, sub, rg, name string) {
	s.mu.Lock()
	s.counts.Get++
	_, cl, ok := s.find(w, sub, rg, name, true)
	if !ok {
		s.mu.Unlock()
		return
	}
	out := clone(cl.mc)
	s.mu.Unlock()
	s.replyCluster(w, http.StatusOK, out, nil)
}

func (s *Server) putCluster(w http.ResponseWriter, r *http.Request, sub, rg, name string) {
	s.mu.Lock()
	s.counts.Put++
	hook := s.beforePut
	s.beforePut = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.armError(w, http.StatusBadRequest, "InvalidRequestContent", "Reading the request body: "+err.Error())
		return
	}
	req, err := checkModel(body)
	if err != nil {
		s.violation(fmt.Sprintf("PUT %s: request body: %v", r.URL.Path, err))
		s.armError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	if code, msg := validate(req); code != "" {
		s.armError(w, http.StatusBadRequest, code, msg)
		return
	}

	if status, out, hdr := s.write(w, r, req, sub, rg, name); out != nil {
		s.replyCluster(w, status, out, hdr)
	}
}

// write applies the checks of a PUT and starts its operation, or answers
// the error and returns a nil cluster.
func (s *Server) write(w http.ResponseWriter, r *http.Request, req *armcontainerservice.ManagedCluster, sub, rg, name string) (int, *armcontainerservice.ManagedCluster, http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, cl, ok := s.find(w, sub, rg, name, false)
	if !ok {
		return 0, nil, nil
	}
	current := ""
	if cl != nil {
		current = *cl.mc.ETag
	}
	if im := r.Header.Get("If-Match"); im != "" && (cl == nil || (im != "*" && unquote(im) != current)) {
		s.armError(w, http.StatusPreconditionFailed, "PreconditionFailed", fmt.Sprintf("Operation failed because the If-Match header value '%s' does not match the current ETag of managed cluster '%s' ('%s').", im, name, current))
		return 0, nil, nil
	}
	if inm := r.Header.Get("If-None-Match"); inm == "*" && cl != nil {
		s.armError(w, http.StatusPreconditionFailed, "PreconditionFailed", fmt.Sprintf("Operation failed because managed cluster '%s' already exists and the If-None-Match header is '*'.", name))
		return 0, nil, nil
	}
	if cl != nil && cl.op != nil {
		s.armError(w, http.StatusConflict, "OperationNotAllowed", fmt.Sprintf("Operation is not allowed because there's an in progress update managed cluster operation (operation %s) on managed cluster '%s'. Please wait for it to finish before starting a new operation.", cl.op.id, name))
		return 0, nil, nil
	}
	if cl != nil && !strings.EqualFold(*req.Location, *cl.mc.Location) {
		s.armError(w, http.StatusBadRequest, "LocationCannotBeChanged", fmt.Sprintf("The location of managed cluster '%s' is '%s' and cannot be changed to '%s'.", name, *cl.mc.Location, *req.Location))
		return 0, nil, nil
	}

	status, state := http.StatusOK, "Updating"
	cur := (*armcontainerservice.ManagedCluster)(nil)
	if cl != nil {
		cur = cl.mc
	} else {
		status, state = http.StatusCreated, "Creating"
		cur = &armcontainerservice.ManagedCluster{Name: to.Ptr(name), Properties: &armcontainerservice.ManagedClusterProperties{
			CurrentKubernetesVersion: req.Properties.KubernetesVersion,
			PowerState:               &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.CodeRunning)},
		}}
	}
	pending := clone(req)
	setReadOnly(pending, cur, sub, g.name)
	pending.Properties.ProvisioningState = to.Ptr(state)
	if cl == nil {
		// A new cluster exists at once, in provisioningState Creating.
		cl = &cluster{sub: sub, rg: g.name, mc: clone(pending)}
		g.clusters[strings.ToLower(name)] = cl
	}

	s.counts.Writes++
	o := &operation{id: newGUID(), cl: cl, need: s.pollsToDone, status: "InProgress", pending: pending, start: time.Now().UTC(), fail: s.failNext}
	s.failNext = nil
	s.ops[strings.ToLower(o.id)] = o
	cl.op = o
	cl.mc.ETag = to.Ptr(newGUID())
	cl.mc.Properties.ProvisioningState = to.Ptr(state)
	pending.ETag = cl.mc.ETag

	async := fmt.Sprintf("https://%s/subscriptions/%s/providers/Microsoft.ContainerService/locations/%s/operations/%s?api-version=%s", r.Host, sub, strings.ToLower(strings.ReplaceAll(*cl.mc.Location, " ", "")), o.id, APIVersion)
	return status, clone(pending), http.Header{"Azure-AsyncOperation": {async}}
}

// validate checks what AKS checks of the part the fake cares about.
func validate(mc *armcontainerservice.ManagedCluster) (code, msg string) {
	if mc.Location == nil || *mc.Location == "" {
		return "LocationRequired", "The location property is required for this definition."
	}
	if mc.Properties == nil {
		return "InvalidParameter", "The value of parameter properties is invalid: it is required."
	}
	sp := mc.Properties.SecurityProfile
	if sp == nil || sp.AzureKeyVaultKms == nil {
		return "", ""
	}
	k := sp.AzureKeyVaultKms
	access := armcontainerservice.KeyVaultNetworkAccessTypesPublic
	if k.KeyVaultNetworkAccess != nil {
		access = *k.KeyVaultNetworkAccess
	}
	rid := k.KeyVaultResourceID != nil && *k.KeyVaultResourceID != ""
	if k.Enabled != nil && *k.Enabled {
		if k.KeyID == nil || !versionedKeyID.MatchString(*k.KeyID) {
			return "InvalidParameter", fmt.Sprintf("The value of parameter securityProfile.azureKeyVaultKms.keyId is invalid: %q is not a versioned Key Vault key identifier (https://<vault>.vault.azure.net/keys/<name>/<version>).", str(k.KeyID))
		}
	}
	switch access {
	case armcontainerservice.KeyVaultNetworkAccessTypesPrivate:
		if !rid {
			return "InvalidParameter", "The value of parameter securityProfile.azureKeyVaultKms.keyVaultResourceId is invalid: it is required when keyVaultNetworkAccess is Private."
		}
	case armcontainerservice.KeyVaultNetworkAccessTypesPublic:
		if rid {
			return "InvalidParameter", "The value of parameter securityProfile.azureKeyVaultKms.keyVaultResourceId is invalid: it must be empty when keyVaultNetworkAccess is Public."
		}
	default:
		return "InvalidParameter", fmt.Sprintf("The value of parameter securityProfile.azureKeyVaultKms.keyVaultNetworkAccess is invalid: %q.", access)
	}
	return "", ""
}

// setReadOnly gives mc the read-only fields ARM sets, from the cluster as
// held (cur): what a client sends in them is ignored, as ARM ignores it.
func setReadOnly(mc, cur *armcontainerservice.ManagedCluster, sub, rg string) {
	mc.ID = to.Ptr(ID(sub, rg, *cur.Name))
	mc.Name = cur.Name
	mc.Type = to.Ptr(ResourceType)
	mc.SystemData = cur.SystemData
	p, cp := mc.Properties, cur.Properties
	if cp == nil {
		cp = &armcontainerservice.ManagedClusterProperties{}
	}
	p.ProvisioningState = cp.ProvisioningState
	p.PowerState = cp.PowerState
	p.CurrentKubernetesVersion = cp.CurrentKubernetesVersion
	p.Fqdn, p.AzurePortalFQDN, p.PrivateFQDN = cp.Fqdn, cp.AzurePortalFQDN, cp.PrivateFQDN
	p.MaxAgentPools, p.ResourceUID = cp.MaxAgentPools, cp.ResourceUID
	old := map[string]*armcontainerservice.ManagedClusterAgentPoolProfile{}
	for _, ap := range cp.AgentPoolProfiles {
		if ap.Name != nil {
			old[strings.ToLower(*ap.Name)] = ap
		}
	}
	for _, ap := range p.AgentPoolProfiles {
		o := old[strings.ToLower(str(ap.Name))]
		if o == nil {
			o = &armcontainerservice.ManagedClusterAgentPoolProfile{CurrentOrchestratorVersion: ap.OrchestratorVersion, ProvisioningState: to.Ptr("Succeeded")}
		}
		ap.CurrentOrchestratorVersion, ap.NodeImageVersion, ap.ProvisioningState, ap.ETag = o.CurrentOrchestratorVersion, o.NodeImageVersion, o.ProvisioningState, o.ETag
	}
}

func (s *Server) getOperation(w http.ResponseWriter, sub, id string) {
	s.mu.Lock()
	s.counts.Poll++
	o := s.ops[strings.ToLower(id)]
	if o == nil || !strings.EqualFold(o.cl.sub, sub) {
		s.mu.Unlock()
		s.armError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Operation '%s' was not found.", id))
		return
	}
	s.tick(o)
	body := map[string]any{"name": o.id, "status": o.status, "startTime": o.start.Format(time.RFC3339Nano)}
	if !o.end.IsZero() {
		body["endTime"] = o.end.Format(time.RFC3339Nano)
	}
	if o.status == "Failed" {
		body["error"] = map[string]any{"code": o.fail.Code, "message": o.fail.Message}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// tick counts a poll of o and ends it after its polls: on success the
// pending cluster becomes the cluster, with the versions it asked for now
// current; on failure the cluster keeps its content, provisioningState
// Failed. Either way it is a write: a new ETag. Callers hold s.mu.
func (s *Server) tick(o *operation) {
	if o.status != "InProgress" {
		return
	}
	o.polls++
	if o.polls <= o.need {
		return
	}
	o.end = time.Now().UTC()
	cl := o.cl
	cl.op = nil
	if o.fail != nil {
		o.status = "Failed"
		cl.mc.Properties.ProvisioningState = to.Ptr("Failed")
		cl.mc.ETag = to.Ptr(newGUID())
		return
	}
	o.status = "Succeeded"
	mc := o.pending
	p := mc.Properties
	p.ProvisioningState = to.Ptr("Succeeded")
	if p.KubernetesVersion != nil {
		p.CurrentKubernetesVersion = p.KubernetesVersion
	}
	for _, ap := range p.AgentPoolProfiles {
		if ap.OrchestratorVersion != nil {
			ap.CurrentOrchestratorVersion = ap.OrchestratorVersion
		}
		ap.ProvisioningState = to.Ptr("Succeeded")
	}
	mc.ETag = to.Ptr(newGUID())
	cl.mc = mc
}

// replyCluster sends a cluster, after checking it round-trips through the
// model, with its ETag header.
func (s *Server) replyCluster(w http.ResponseWriter, status int, mc *armcontainerservice.ManagedCluster, hdr http.Header) {
	b, err := json.Marshal(mc)
	if err == nil {
		_, err = checkModel(b)
	}
	if err != nil {
		s.violation("response body: " + err.Error())
		s.armError(w, http.StatusInternalServerError, "InternalServerError", "The fake's response breaks the model: "+err.Error())
		return
	}
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if mc.ETag != nil {
		w.Header().Set("ETag", *mc.ETag)
	}
	s.requestIDs(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// armError sends an error in ARM's format.
func (s *Server) armError(w http.ResponseWriter, status int, code, msg string) {
	s.requestIDs(w)
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (s *Server) requestIDs(w http.ResponseWriter) {
	w.Header().Set("x-ms-request-id", newGUID())
	w.Header().Set("x-ms-correlation-request-id", newGUID())
}

func unquote(etag string) string {
	etag = strings.TrimPrefix(etag, "W/")
	return strings.Trim(etag, `"`)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
