// Package gke is a thin layer over google.golang.org/api/container/v1:
// building the client lazily from the provider's google block, waiting on
// operations, and mapping node pool image types to container runtimes.
package gke

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	container "google.golang.org/api/container/v1"
	"google.golang.org/api/option"
)

// Config is the provider's google block.
type Config struct {
	Project           string
	Credentials       string // a path to a JSON key file, or the JSON itself
	AccessToken       string
	ContainerEndpoint string
	UserAgent         string
}

// Client is a configured Kubernetes Engine client.
type Client struct {
	Service *container.Service
	// Project is the provider's default project, may be empty.
	Project string
}

// ErrUnknownConfig is returned when the google block is not known until apply.
var ErrUnknownConfig = errors.New("the google block of the provider depends on values that are not known until apply")

// Lazy builds the Client on first use.
type Lazy struct {
	cfg     Config
	unknown bool

	once   sync.Once
	client *Client
	err    error
}

// NewLazy returns a Lazy for cfg.
func NewLazy(cfg Config, unknown bool) *Lazy { return &Lazy{cfg: cfg, unknown: unknown} }

// Get returns the client, building it on the first call.
func (l *Lazy) Get(ctx context.Context) (*Client, error) {
	if l.unknown {
		return nil, ErrUnknownConfig
	}
	l.once.Do(func() { l.client, l.err = newClient(ctx, l.cfg) })
	return l.client, l.err
}

func newClient(ctx context.Context, c Config) (*Client, error) {
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
		raw := []byte(c.Credentials)
		if !strings.HasPrefix(strings.TrimSpace(c.Credentials), "{") {
			b, err := os.ReadFile(c.Credentials)
			if err != nil {
				return nil, fmt.Errorf("google.credentials: it is not JSON, so it was read as a file path, and %q cannot be read: %w", c.Credentials, err)
			}
			raw = b
		}
		creds, err := google.CredentialsFromJSON(ctx, raw, container.CloudPlatformScope)
		if err != nil {
			return nil, fmt.Errorf("google.credentials: not a valid service account or external account JSON key: %w", err)
		}
		opts = append(opts, option.WithTokenSource(creds.TokenSource))
	default:
		creds, err := google.FindDefaultCredentials(ctx, container.CloudPlatformScope)
		if err != nil {
			return nil, fmt.Errorf("no Google credentials: google.credentials and google.access_token are unset, and Application Default Credentials were not found (%v). "+
				"Run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or set google.credentials", err)
		}
		opts = append(opts, option.WithTokenSource(creds.TokenSource))
	}
	svc, err := container.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes Engine client: %w", err)
	}
	return &Client{Service: svc, Project: c.Project}, nil
}
