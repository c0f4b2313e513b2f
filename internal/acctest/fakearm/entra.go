package fakearm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The paths MSAL (inside azidentity) calls on the authority host, with
// instance discovery disabled: the tenant's OpenID configuration, then the
// token endpoint that configuration names.
var (
	openIDConfigPath = regexp.MustCompile(`^/([^/]+)/v2\.0/\.well-known/openid-configuration$`)
	tokenPath        = regexp.MustCompile(`^/([^/]+)/oauth2/v2\.0/token$`)
)

// armAudiences are the resources whose "<audience>/.default" scope grants
// an ARM token (the fake's own URL is accepted too).
var armAudiences = []string{"https://management.azure.com", "https://management.core.windows.net", "https://management.azure.com/", "https://management.core.windows.net/"}

const tokenLifetime = time.Hour

// knownTenant reports whether a client is registered in tenant. Callers
// hold s.mu.
func (s *Server) knownTenant(tenant string) bool {
	prefix := strings.ToLower(tenant) + "/"
	for k := range s.secrets {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	known := s.knownTenant(tenant)
	s.mu.Unlock()
	if !known {
		s.entraError(w, r, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
		return
	}
	base := "https://" + r.Host + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// token answers a client-credentials request as Entra ID does.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	s.counts.Token++
	s.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	known := s.knownTenant(tenant)
	secret, registered := s.secrets[strings.ToLower(tenant)+"/"+strings.ToLower(f.Get("client_id"))]
	s.mu.Unlock()
	switch {
	case !known:
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case f.Get("grant_type") != "client_credentials":
		s.entraError(w, r, http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'. The fake serves client_credentials only.", f.Get("grant_type")))
	case !registered:
		s.entraError(w, r, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", f.Get("client_id"), tenant))
	case f.Get("client_secret") == "":
		s.entraError(w, r, http.StatusBadRequest, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case f.Get("client_secret") != secret:
		s.entraError(w, r, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", f.Get("client_id")))
	case !s.armScope(r, f.Get("scope")):
		s.entraError(w, r, http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. The fake issues tokens for Azure Resource Manager only.", f.Get("scope"), tenant))
	default:
		tok := "fakearm." + randomHex(24)
		s.mu.Lock()
		s.tokens[tok] = time.Now().Add(tokenLifetime)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type":     "Bearer",
			"expires_in":     int(tokenLifetime.Seconds()),
			"ext_expires_in": int(tokenLifetime.Seconds()),
			"access_token":   tok,
		})
	}
}

// armScope reports whether one of the space-separated scopes is
// "<ARM audience>/.default" (MSAL adds openid, profile, offline_access).
func (s *Server) armScope(r *http.Request, scopes string) bool {
	own := "https://" + r.Host
	for _, sc := range strings.Fields(scopes) {
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			continue
		}
		res = strings.TrimSuffix(res, "/")
		if res == own || strings.TrimSuffix(s.url, "/") == res {
			return true
		}
		for _, a := range armAudiences {
			if strings.TrimSuffix(a, "/") == res {
				return true
			}
		}
	}
	return false
}

// validToken reports whether the request carries a token the fake issued
// and that has not expired.
func (s *Server) validToken(r *http.Request) (present, valid bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[strings.TrimSpace(tok)]
	return true, ok && time.Now().Before(exp)
}

// entraError sends an error in Entra ID's OAuth format: the AADSTS code
// leads the description and is repeated in error_codes.
func (s *Server) entraError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, msg string) {
	trace, corr := newGUID(), newGUID()
	now := time.Now().UTC()
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, msg, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{aadsts},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         fmt.Sprintf("https://%s/error?code=%d", r.Host, aadsts),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
