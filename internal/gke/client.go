// Package gke is a thin layer over google.golang.org/api/container/v1:
// building the client lazily from the provider's google block, waiting on
// operations, retrying updates that collide with another operation, and the
// Secrets encryption states. The image type to container runtime table
// lives in containerruntime; this package never imports the Kubernetes
// client.
package gke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	container "google.golang.org/api/container/v1"
	"google.golang.org/api/option"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/lazy"
)

// Config is the provider's google block.
type Config struct {
	Project           string
	Credentials       string // a path to a JSON key file, or the JSON itself
	AccessToken       string
	ContainerEndpoint string
	UserAgent         string
	// Timing of polls and retries; the zero value means DefaultTiming.
	Timing Timing
}

// Timing says how often operations and clusters are polled, and how a
// clusters.update that collides with another operation is retried.
type Timing struct {
	// PollInterval is the pause between two polls of an operation, or of a
	// cluster whose encryption state is pending.
	PollInterval time.Duration
	// RetryInitial and RetryMax bound the backoff between two attempts of a
	// clusters.update refused because another operation is running.
	RetryInitial time.Duration
	RetryMax     time.Duration
}

// DefaultTiming is used when Config.Timing is zero. Encryption updates take
// minutes on GKE, so polling every few seconds costs little. Tests of the
// provider shorten it before any client is built.
var DefaultTiming = Timing{PollInterval: 5 * time.Second, RetryInitial: 10 * time.Second, RetryMax: time.Minute}

// Client is a configured Kubernetes Engine client.
type Client struct {
	Service *container.Service
	// Project is the provider's default project, may be empty.
	Project string
	Timing  Timing
}

// ErrUnknownConfig is returned when the google block is not known until apply.
var ErrUnknownConfig = errors.New("the google block of the provider depends on values that are not known until apply")

// ConfigError is a problem with the provider's google block, found when the
// client is first built.
type ConfigError struct {
	Attribute string // e.g. "google.credentials"
	Detail    string
}

func (e *ConfigError) Error() string { return e.Attribute + ": " + e.Detail }

// Lazy builds the Client on first use, so configurations that only use
// Kubernetes or EKS never need Google credentials. It is safe for
// concurrent use.
type Lazy struct {
	*lazy.Client[*Client]
	project string
}

// NewLazy returns a Lazy for cfg. When unknown is true the configuration is
// not final yet, and Get fails with ErrUnknownConfig.
func NewLazy(cfg Config, unknown bool) *Lazy {
	return &Lazy{
		Client:  lazy.New(func(ctx context.Context) (*Client, error) { return newClient(ctx, cfg) }, unknown, ErrUnknownConfig),
		project: cfg.Project,
	}
}

// Project returns the provider's default project without building a client
// (plans need it, credentials are not needed for it), and whether the google
// block is unknown until apply.
func (l *Lazy) Project() (project string, unknown bool) {
	return l.project, !l.Known()
}

// credentialTypes are the key file types accepted in google.credentials:
// the ones gcloud and the IAM console produce.
var credentialTypes = []google.CredentialsType{
	google.ServiceAccount,
	google.AuthorizedUser,
	google.ExternalAccount,
	google.ExternalAccountAuthorizedUser,
	google.ImpersonatedServiceAccount,
}

func newClient(ctx context.Context, c Config) (*Client, error) {
	// The client and its token source outlive the call that builds them:
	// a token refreshed later must not fail because this first call's
	// context (and its timeout) has ended.
	ctx = context.WithoutCancel(ctx)
	var opts []option.ClientOption
	if c.ContainerEndpoint != "" {
		opts = append(opts, option.WithEndpoint(c.ContainerEndpoint))
	}
	if c.UserAgent != "" {
		opts = append(opts, option.WithUserAgent(c.UserAgent))
	}
	switch {
	case c.AccessToken != "":
		opts = append(opts, option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: c.AccessToken})))
	case c.Credentials != "":
		creds, err := credentialsFromConfig(ctx, c.Credentials)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithTokenSource(creds.TokenSource))
	default:
		creds, err := google.FindDefaultCredentials(ctx, container.CloudPlatformScope)
		if err != nil {
			return nil, &ConfigError{Attribute: "google", Detail: fmt.Sprintf(
				"no Google credentials: google.credentials and google.access_token are unset, and Application Default Credentials were not found (%v). "+
					"Run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or set google.credentials", err)}
		}
		opts = append(opts, option.WithTokenSource(creds.TokenSource))
	}
	svc, err := container.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes Engine client: %w", err)
	}
	t := c.Timing
	if t == (Timing{}) {
		t = DefaultTiming
	}
	return &Client{Service: svc, Project: c.Project, Timing: t}, nil
}

// credentialsFromConfig reads google.credentials: JSON content, or a path to
// a file holding it. The key's type is checked against credentialTypes, so a
// file from elsewhere cannot make the provider fetch tokens from an
// arbitrary URL unnoticed.
func credentialsFromConfig(ctx context.Context, v string) (*google.Credentials, error) {
	raw := []byte(v)
	if !strings.HasPrefix(strings.TrimSpace(v), "{") {
		b, err := os.ReadFile(v)
		if err != nil {
			return nil, &ConfigError{Attribute: "google.credentials", Detail: fmt.Sprintf(
				"the value is not JSON, so it was read as a file path, and %q cannot be read: %v", v, err)}
		}
		raw = b
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, &ConfigError{Attribute: "google.credentials", Detail: fmt.Sprintf("not a JSON key file: %v", err)}
	}
	for _, t := range credentialTypes {
		if google.CredentialsType(head.Type) == t {
			creds, err := google.CredentialsFromJSONWithType(ctx, raw, t, container.CloudPlatformScope)
			if err != nil {
				return nil, &ConfigError{Attribute: "google.credentials", Detail: fmt.Sprintf("the %s key is not valid: %v", t, err)}
			}
			return creds, nil
		}
	}
	names := make([]string, len(credentialTypes))
	for i, t := range credentialTypes {
		names[i] = string(t)
	}
	return nil, &ConfigError{Attribute: "google.credentials", Detail: fmt.Sprintf(
		"the key's \"type\" is %q; expected one of %s", head.Type, strings.Join(names, ", "))}
}
