package gke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	container "google.golang.org/api/container/v1"
	"google.golang.org/api/googleapi"
)

// Call names one API call, for error messages, and the IAM permission it
// needs.
type Call struct {
	Method     string // e.g. "clusters.get"
	Name       string // the resource name it acts on
	Permission string // e.g. "container.clusters.get"
}

func (c Call) String() string { return c.Method + " " + strconv.Quote(c.Name) }

// GetClusterCall is a clusters.get of the cluster name.
func GetClusterCall(name string) Call {
	return Call{Method: "clusters.get", Name: name, Permission: "container.clusters.get"}
}

// UpdateClusterCall is a clusters.update of the cluster name.
func UpdateClusterCall(name string) Call {
	return Call{Method: "clusters.update", Name: name, Permission: "container.clusters.update"}
}

// OperationCall is an operations.get of the operation name.
func OperationCall(name string) Call {
	return Call{Method: "operations.get", Name: name, Permission: "container.operations.get"}
}

// TimeoutError is a call or a wait cut short by the context's deadline.
type TimeoutError struct {
	Call    Call
	Waiting string // what was being waited for, e.g. "operation operation-1 to finish (last status RUNNING)"
	Last    error  // the last error the API answered, if any
	Err     error  // the context's error
}

func (e *TimeoutError) Error() string {
	s := e.Call.String() + " did not finish before its time limit was reached"
	if e.Waiting != "" {
		s += ", waiting for " + e.Waiting
	}
	if e.Last != nil {
		s += "; the last answer was: " + apiMessage(e.Last)
	}
	return s
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// OperationError is an operation that ended DONE with an error.
type OperationError struct {
	Cluster string
	Op      *container.Operation
}

func (e *OperationError) Error() string {
	msg, code := e.Op.StatusMessage, int64(0)
	if e.Op.Error != nil {
		code = e.Op.Error.Code
		if e.Op.Error.Message != "" {
			msg = e.Op.Error.Message
		}
	}
	if msg == "" {
		msg = "no message"
	}
	s := fmt.Sprintf("operation %s (%s) on %s failed: %s", e.Op.Name, e.Op.OperationType, e.Cluster, msg)
	if code != 0 {
		s += fmt.Sprintf(" (code %d)", code)
	}
	return s
}

// APIStatus returns the HTTP code and the canonical status ("NOT_FOUND",
// "FAILED_PRECONDITION", ...) of an API error, or 0 and "" for other errors.
// googleapi.Error keeps the status only in the raw body.
func APIStatus(err error) (code int, status string) {
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		return 0, ""
	}
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(gerr.Body), &body) == nil {
		status = body.Error.Status
	}
	if status == "" {
		for _, item := range gerr.Errors {
			if item.Reason == "failedPrecondition" {
				status = "FAILED_PRECONDITION"
			}
		}
	}
	return gerr.Code, status
}

// IsNotFound says whether err is the API's 404.
func IsNotFound(err error) bool {
	code, _ := APIStatus(err)
	return code == http.StatusNotFound
}

// IsConcurrentOperation says whether err is GKE refusing a change because
// another operation runs on the cluster ("Cluster is running incompatible
// operation ..."): 400 FAILED_PRECONDITION naming an operation. Other
// failed preconditions (a key GKE may not use, ...) do not clear by waiting,
// so they are not retried.
func IsConcurrentOperation(err error) bool {
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		return false
	}
	code, status := APIStatus(err)
	return code == http.StatusBadRequest && status == "FAILED_PRECONDITION" &&
		strings.Contains(strings.ToLower(gerr.Message), "operation")
}

func isTransient(err error) bool {
	code, _ := APIStatus(err)
	return code == http.StatusTooManyRequests || code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

func apiMessage(err error) string {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		_, status := APIStatus(err)
		msg := gerr.Message
		if msg == "" {
			msg = strings.TrimSpace(gerr.Body)
		}
		if status != "" {
			return fmt.Sprintf("HTTP %d %s: %s", gerr.Code, status, msg)
		}
		return fmt.Sprintf("HTTP %d: %s", gerr.Code, msg)
	}
	return err.Error()
}

// Describe turns an error of call into a diagnostic summary and a detail
// that says what happened, what the API said and what the user can do.
func Describe(call Call, err error) (summary, detail string) {
	var cfgErr *ConfigError
	var opErr *OperationError
	var stErr *StateError
	var toErr *TimeoutError
	code, _ := APIStatus(err)
	switch {
	case errors.As(err, &cfgErr):
		return "Invalid Google Provider Configuration", fmt.Sprintf("provider \"kubeharden\", %s: %s", cfgErr.Attribute, cfgErr.Detail)
	case errors.Is(err, ErrUnknownConfig):
		return "Google Connection Not Yet Known", err.Error() + "; the call " + call.String() + " cannot be made during this plan."
	case errors.As(err, &toErr) && toErr.Waiting == "" && toErr.Call.Method == GetClusterCall("").Method:
		// A read changed nothing: there is nothing in progress to pick up.
		return "GKE Call Timed Out", fmt.Sprintf("The call %v.\n\nRaise the limit in the timeouts block (timeouts.read for a data source), "+
			"or check that the Kubernetes Engine API (google.endpoints.container when set) is reachable.", err)
	case errors.As(err, &toErr):
		return "GKE Call Timed Out", fmt.Sprintf("The call %v.\n\nThe change may still be in progress on Google's side. Raise the resource's timeouts, "+
			"then run terraform apply again: it picks up from what GKE reports.", err)
	case errors.Is(err, context.DeadlineExceeded):
		return "GKE Call Timed Out", fmt.Sprintf("The call %s did not finish in time: %v\n\nRaise the resource's timeouts, or check that the Kubernetes Engine API is reachable.", call, err)
	case errors.As(err, &opErr):
		return "GKE Operation Failed", fmt.Sprintf("The Kubernetes Engine API accepted %s, but %v.\n\nThe cluster keeps its previous settings. "+
			"For a key change, check that the key exists, is enabled, is in the cluster's region, and that the GKE service agent "+
			"(service-PROJECT_NUMBER@container-engine-robot.iam.gserviceaccount.com) has roles/cloudkms.cryptoKeyEncrypterDecrypter on it.", call, err)
	case errors.As(err, &stErr):
		return "GKE Secrets Encryption Error", fmt.Sprintf("%v\n\nFix the key or its permissions (the GKE service agent needs roles/cloudkms.cryptoKeyEncrypterDecrypter), then run terraform apply again.", err)
	case code == http.StatusUnauthorized:
		return "Google Credentials Rejected", fmt.Sprintf("The Kubernetes Engine API rejected the provider's credentials during %s: %s\n\n"+
			"The access token or key is invalid or expired. Check google.access_token, google.credentials or Application Default Credentials.", call, apiMessage(err))
	case code == http.StatusForbidden:
		return "Google Permission Denied", fmt.Sprintf("The Kubernetes Engine API refused %s: %s\n\nThe identity the provider uses needs the IAM permission %s on the project "+
			"(roles/container.clusterViewer grants the read permissions; roles/container.clusterAdmin the update).", call, apiMessage(err), call.Permission)
	case code == http.StatusNotFound:
		return "GKE Cluster Not Found", fmt.Sprintf("%s: %s\n\nCheck the project, the location and the name. A regional cluster is found only under its region, and a zonal one only under its zone.", call, apiMessage(err))
	default:
		return "Kubernetes Engine API Error", fmt.Sprintf("The call %s failed: %s", call, apiMessage(err))
	}
}
