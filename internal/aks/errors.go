package aks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Call names one API call, for error messages, and the Azure RBAC action
// it needs.
type Call struct {
	Method  string // e.g. "managedClusters.get"
	Cluster ClusterRef
	Action  string // e.g. "Microsoft.ContainerService/managedClusters/read"
}

func (c Call) String() string { return c.Method + " " + strconv.Quote(c.Cluster.String()) }

// ReadClusterAction is the RBAC action of managedClusters.get.
const ReadClusterAction = "Microsoft.ContainerService/managedClusters/read"

// GetClusterCall is a managedClusters.get of r.
func GetClusterCall(r ClusterRef) Call {
	return Call{Method: "managedClusters.get", Cluster: r, Action: ReadClusterAction}
}

// armError is the body of an ARM error response.
type armError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// responseError returns the ARM error in err: its HTTP code, error code and
// message; ok false when err is not an ARM response.
func responseError(err error) (status int, code, msg string, ok bool) {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return 0, "", "", false
	}
	code = re.ErrorCode
	if re.RawResponse != nil {
		// Payload keeps the body for the next reader.
		b, _ := runtime.Payload(re.RawResponse)
		var body armError
		if json.Unmarshal(b, &body) == nil {
			msg = body.Error.Message
			if code == "" {
				code = body.Error.Code
			}
		}
	}
	return re.StatusCode, code, msg, true
}

// IsNotFound says whether err is ARM's 404 (of the cluster, its resource
// group or its subscription).
func IsNotFound(err error) bool {
	status, _, _, ok := responseError(err)
	return ok && status == http.StatusNotFound
}

// aadstsRE finds Entra ID's error code in a token response ("AADSTS7000215").
var aadstsRE = regexp.MustCompile(`AADSTS\d+`)

// tokenError returns the Entra ID error of a failed token request: its
// AADSTS code and its description's first line.
func tokenError(e *azidentity.AuthenticationFailedError) (code, desc string) {
	if e.RawResponse != nil {
		b, _ := runtime.Payload(e.RawResponse)
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(b, &body) == nil {
			desc, _, _ = strings.Cut(body.Description, "\r\n")
			desc, _, _ = strings.Cut(desc, "\n")
			desc, _, _ = strings.Cut(desc, " Trace ID:")
			if desc == "" {
				desc = body.Error
			}
		}
	}
	code = aadstsRE.FindString(desc)
	if code == "" {
		code = aadstsRE.FindString(e.Error())
	}
	return code, desc
}

// apiMessage is what ARM said: "HTTP 404 ResourceNotFound: message".
func apiMessage(err error) string {
	status, code, msg, ok := responseError(err)
	if !ok {
		return err.Error()
	}
	s := fmt.Sprintf("HTTP %d", status)
	if code != "" {
		s += " " + code
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// Describe turns an error of call into a diagnostic summary and a detail
// that says what happened, what Azure said and what the user can do.
func Describe(call Call, err error) (summary, detail string) {
	var cfgErr *ConfigError
	var authErr *azidentity.AuthenticationFailedError
	var opErr *OperationError
	status, code, _, isARM := responseError(err)
	r := call.Cluster
	limit, role := "timeouts.read", "the built-in role \"Azure Kubernetes Service Cluster User Role\" or \"Reader\" grants it"
	if call.Action == WriteClusterAction {
		limit, role = "the resource's timeouts", "the built-in role \"Azure Kubernetes Service Contributor Role\" grants it"
	}
	switch {
	case errors.As(err, &opErr):
		return "AKS Operation Failed", fmt.Sprintf("The long-running operation of %s failed: %s: %s\n\n"+
			"The cluster keeps its previous settings (provisioningState Failed until its next successful operation). "+
			"Fix the cause and run terraform apply again.", call, opErr.Code, opErr.Message)
	case errors.Is(err, ErrConflict):
		return "AKS Cluster Kept Changing", fmt.Sprintf("The call %s lost every attempt to another writer: %v\n\n"+
			"Something else is updating the cluster; run terraform apply again when it is done.", call, err)
	case errors.As(err, &cfgErr):
		return "Invalid Azure Provider Configuration", fmt.Sprintf("provider \"kubeharden\", %s", cfgErr.Error())
	case errors.Is(err, ErrUnknownConfig):
		return "Azure Connection Not Yet Known", err.Error() + "; the call " + call.String() + " cannot be made during this plan."
	case errors.Is(err, context.DeadlineExceeded):
		return "AKS Call Timed Out", fmt.Sprintf("The call %s did not finish before its time limit was reached: %v\n\n"+
			"Raise "+limit+", or check that Azure Resource Manager (azure.endpoints.resource_manager when set) and "+
			"the Entra ID authority (azure.endpoints.active_directory) are reachable.", call, err)
	case errors.As(err, &authErr):
		aadsts, desc := tokenError(authErr)
		if desc == "" {
			desc = strings.TrimSpace(authErr.Error())
		}
		hint := "Check the provider's credentials: azure.client_secret (ARM_CLIENT_SECRET), azure.client_id (ARM_CLIENT_ID) " +
			"and azure.tenant_id (ARM_TENANT_ID), or, without a client secret, the identity DefaultAzureCredential finds " +
			"(AZURE_* environment variables, workload identity, managed identity, `az login`)."
		if aadsts == "AADSTS7000215" || aadsts == "AADSTS7000222" {
			hint = "The client secret is wrong or has expired: set a valid one in azure.client_secret (or ARM_CLIENT_SECRET)."
		}
		if aadsts != "" {
			aadsts = " (" + aadsts + ")"
		}
		return "Azure Authentication Failed", fmt.Sprintf("Entra ID refused the provider a token for %s%s: %s\n\n%s", call, aadsts, desc, hint)
	case isARM && (code == "SubscriptionNotFound" || code == "InvalidSubscriptionId"):
		return "Azure Subscription Not Found", fmt.Sprintf("%s: subscription %q was not found: %s\n\n"+
			"Check subscription_id (or the provider's azure.subscription_id, ARM_SUBSCRIPTION_ID), and that the identity has access to it.", call, r.SubscriptionID, apiMessage(err))
	case isARM && code == "ResourceGroupNotFound":
		return "Azure Resource Group Not Found", fmt.Sprintf("%s: resource group %q was not found in subscription %q: %s\n\n"+
			"Check resource_group_name and the subscription.", call, r.ResourceGroup, r.SubscriptionID, apiMessage(err))
	case isARM && status == http.StatusNotFound:
		return "AKS Cluster Not Found", fmt.Sprintf("%s: no managed cluster %q in resource group %q of subscription %q: %s\n\n"+
			"Check name, resource_group_name and the subscription.", call, r.Name, r.ResourceGroup, r.SubscriptionID, apiMessage(err))
	case isARM && status == http.StatusUnauthorized:
		return "Azure Credentials Rejected", fmt.Sprintf("Azure Resource Manager rejected the provider's token during %s: %s\n\n"+
			"The token is invalid or expired, or was issued for another cloud or tenant. Check azure.tenant_id (ARM_TENANT_ID) and azure.endpoints.", call, apiMessage(err))
	case isARM && status == http.StatusForbidden:
		return "Azure Permission Denied", fmt.Sprintf("Azure Resource Manager refused %s: %s\n\nThe identity the provider uses needs the Azure RBAC action %s "+
			"on the cluster, its resource group or its subscription (%s).", call, apiMessage(err), call.Action, role)
	case isARM:
		return "Azure Resource Manager Error", fmt.Sprintf("The call %s failed: %s", call, apiMessage(err))
	case strings.Contains(err.Error(), "DefaultAzureCredential"):
		return "Azure Credentials Not Found", fmt.Sprintf("No credential was found for %s: %v\n\nSet azure.client_id, azure.client_secret and azure.tenant_id "+
			"(ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID), or make one of DefaultAzureCredential's sources available (AZURE_* environment variables, "+
			"workload identity, managed identity, `az login`).", call, err)
	default:
		return "Azure Call Failed", fmt.Sprintf("The call %s failed: %v", call, err)
	}
}
