package eks

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Op names one EKS call, for error messages and the IAM permission it needs.
type Op struct {
	Action    string // the API action, e.g. "DescribeCluster"
	Cluster   string
	Nodegroup string
	Region    string
}

func (o Op) String() string {
	s := o.Action
	if o.Nodegroup != "" {
		s += fmt.Sprintf(" of node group %q", o.Nodegroup)
	}
	if o.Cluster != "" {
		s += fmt.Sprintf(" of cluster %q", o.Cluster)
	}
	if o.Region != "" {
		s += " in " + o.Region
	}
	return s
}

// Permission is the IAM action op needs.
func (o Op) Permission() string { return "eks:" + o.Action }

// credentialCodes are the error codes of a request AWS did not authenticate.
var credentialCodes = map[string]bool{
	"UnrecognizedClientException": true,
	"InvalidSignatureException":   true,
	"ExpiredTokenException":       true,
	"InvalidClientTokenId":        true,
	"SignatureDoesNotMatch":       true,
}

// Describe turns an error of op into a diagnostic summary and a detail that
// says what happened, what AWS said, and what the user can do.
func Describe(op Op, err error) (summary, detail string) {
	var cfgErr *ConfigError
	var failed *UpdateFailedError
	var waitTimeout *UpdateTimeoutError
	var busy *BusyError
	var maxAttempts *retry.MaxAttemptsError
	var apiErr smithy.APIError
	code := ""
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	switch {
	case errors.As(err, &cfgErr):
		return "Invalid AWS Provider Configuration", fmt.Sprintf("The EKS client could not be built for %s: %v", op, cfgErr.Err)
	case errors.Is(err, ErrUnknownConfig):
		return "AWS Configuration Not Yet Known", err.Error() + "; the call " + op.String() + " cannot be made during this plan."
	case errors.As(err, &failed):
		return "EKS Update Failed", fmt.Sprintf("%v\n\nThe cluster is unchanged. Fix the cause EKS reports (often the key policy of the KMS key, "+
			"which must allow the cluster's IAM role and the caller kms:CreateGrant and kms:DescribeKey), then apply again.", failed)
	case errors.As(err, &waitTimeout):
		return "Timed Out Waiting For EKS Update", fmt.Sprintf("%v\n\nThe update goes on in EKS. Raise timeouts.create, "+
			"or run apply again: it waits for this same update rather than start another, and adopts the association once it has succeeded.", waitTimeout)
	case errors.As(err, &busy):
		return "EKS Cluster Busy", fmt.Sprintf("EKS refused %s: %v\n\nEKS runs one update of a cluster at a time. Wait until "+
			"it has finished (aws eks describe-update --name %s --update-id <id>), then apply again.", op, busy, busy.Cluster)
	case IsNotFound(err) && op.Action == "DescribeCluster":
		return "EKS Cluster Not Found", fmt.Sprintf("No EKS cluster named %q exists in region %s for the provider's AWS account: %s\n\n"+
			"Check the name, and the region and credentials of the provider's aws block (aws.region, aws.profile, AWS_REGION).",
			op.Cluster, op.Region, message(err))
	case IsNotFound(err):
		return "EKS Resource Not Found", fmt.Sprintf("%s: %s", op, message(err))
	case code == "AccessDeniedException" || code == "AccessDenied":
		return "AWS Permission Denied", fmt.Sprintf("AWS refused %s: %s\n\nThe identity the provider uses needs the IAM permission %q%s.",
			op, message(err), op.Permission(), resourceText(op))
	case credentialCodes[code]:
		return "AWS Credentials Rejected", fmt.Sprintf("AWS did not accept the provider's credentials for %s: %s\n\n"+
			"Refresh them (aws sso login, a new session token) or check aws.profile and the AWS_* environment variables.", op, message(err))
	case errors.As(err, &maxAttempts) && (code == "ThrottlingException" || code == "TooManyRequestsException"):
		return "EKS API Throttled", fmt.Sprintf("%s was throttled by EKS %d times in a row: %s\n\n"+
			"Run Terraform with a lower -parallelism, or try again when fewer clients call the EKS API of this account and region.",
			op, maxAttempts.Attempt, message(err))
	case errors.Is(err, context.DeadlineExceeded):
		return "EKS API Call Timed Out", fmt.Sprintf("The call %s did not finish in time: its time limit was reached before EKS answered (%v).\n\n"+
			"Raise the limit in the timeouts block (timeouts.read for a data source), or check that the EKS endpoint "+
			"(aws.endpoints.eks when set, else the region's) is reachable.", op, err)
	case code != "":
		return "EKS API Error", fmt.Sprintf("EKS refused %s: %s (%s)", op, message(err), code)
	default:
		return "EKS API Error", fmt.Sprintf("The call %s failed: %v", op, err)
	}
}

// resourceText names the resource an IAM policy must cover for op.
func resourceText(op Op) string {
	switch {
	case op.Nodegroup != "":
		return fmt.Sprintf(" on the node groups of cluster %q (arn:aws:eks:%s:<account>:nodegroup/%s/*)", op.Cluster, op.Region, op.Cluster)
	case op.Cluster != "":
		return fmt.Sprintf(" on the cluster (arn:aws:eks:%s:<account>:cluster/%s)", op.Region, op.Cluster)
	default:
		return ""
	}
}

// message is what AWS said, without the SDK's operation and request-ID prefix.
func message(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorMessage() != "" {
		return apiErr.ErrorMessage()
	}
	return err.Error()
}
