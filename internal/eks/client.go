// Package eks is a thin layer over aws-sdk-go-v2's EKS client: building it
// lazily from the provider's aws block, reading clusters and node groups,
// waiting on cluster updates, and describing EKS errors. The AMI type to
// container runtime table lives in containerruntime; this package never
// imports the Kubernetes client.
package eks

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/lazy"
)

// Config is the provider's aws block.
type Config struct {
	Region      string
	Profile     string
	EKSEndpoint string
	UserAgent   string
}

// Client is a configured EKS client and the region it talks to.
type Client struct {
	EKS    *eks.Client
	Region string
}

// MaxAttempts is how many times one EKS call is tried before its error is
// returned. The SDK's default of 3 suits a CLI; a Terraform run reads many
// clusters in parallel and should ride out a burst of throttling, as
// hashicorp/aws does with its 25 retries.
const MaxAttempts = 10

// ConfigError is a problem of the aws block or of the environment it relies
// on (no region, no credentials), found when the client is first built.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// ErrUnknownConfig is returned when the aws block is not known until apply.
var ErrUnknownConfig = errors.New("the aws block of the provider depends on values that are not known until apply")

// Lazy builds the Client on first use, so configurations that only use
// Kubernetes or GKE never need AWS credentials. It is safe for concurrent
// use.
type Lazy = lazy.Client[*Client]

// NewLazy returns a Lazy for cfg. When unknown is true the configuration is
// not final yet, and Get fails with ErrUnknownConfig. A failure to build
// the client is a *ConfigError.
func NewLazy(cfg Config, unknown bool) *Lazy {
	return lazy.New(func(ctx context.Context) (*Client, error) {
		c, err := newClient(ctx, cfg)
		if err != nil {
			return nil, &ConfigError{Err: err}
		}
		return c, nil
	}, unknown, ErrUnknownConfig)
}

func newClient(ctx context.Context, c Config) (*Client, error) {
	opts := []func(*config.LoadOptions) error{
		// The standard retryer backs off on throttling errors
		// (ThrottlingException, TooManyRequestsException) and 5xx answers,
		// and stops when the call's context (the resource's timeout) ends.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = MaxAttempts })
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.UserAgent != "" {
		opts = append(opts, config.WithAppID(c.UserAgent))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration (aws.profile %q): %w", c.Profile, err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("no AWS region is configured: set aws.region in the provider block, AWS_REGION, or a region in the shared config profile")
	}
	if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no usable AWS credentials were found by the default credential chain "+
			"(environment, shared config and profile, SSO, web identity, instance role): %w. "+
			"Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws.profile, or run in an environment with a role", err)
	}
	client := eks.NewFromConfig(awsCfg, func(o *eks.Options) {
		if c.EKSEndpoint != "" {
			o.BaseEndpoint = aws.String(c.EKSEndpoint)
		}
	})
	return &Client{EKS: client, Region: awsCfg.Region}, nil
}
