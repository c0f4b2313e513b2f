package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6Server is the provider's gRPC server, as main serves it: the
// framework's server, with the per-resource calls passing it a context that
// lets go of the call's values when the call returns.
//
// Why: the framework's server (internal/proto6server, registerContext)
// keeps the cancel function of every call's context until StopProvider,
// which Terraform sends only on an interrupt, so that it can cancel calls
// still running. Each cancel function holds its context, and through it
// the whole chain of the call's logging contexts (a copy of the logger
// options per field, per call): at N=1000 namespace resources that is 63
// MB still live when `terraform plan` ends, most of the provider's peak
// RSS. With the context passed here, what stays registered is the
// framework's small cancel context and an empty released context, a few
// hundred bytes a call; StopProvider still cancels running calls.
//
// Only the calls made once per resource or data source are wrapped; the
// rest (schema, configure, functions, ephemeral resources) are a handful
// per run. List and action calls stream their results after they return,
// so they are forwarded as they are. releasingServer forwards the optional
// services the provider has (list resources, actions); it has no state
// stores, and TestServerForwardsOptionalServices guards both.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	framework := providerserver.NewProtocol6(New(version)())
	return func() tfprotov6.ProviderServer {
		// The framework's server implements every optional service.
		return releasingServer{framework().(frameworkServer)}
	}
}

// frameworkServer is the framework's server: the provider server and the
// optional services this provider uses.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
}

type releasingServer struct{ frameworkServer }

// call runs f with a context that forgets ctx when f returns.
func call[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := newReleasableContext(ctx)
	defer rc.release()
	return f(rc, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, req, s.frameworkServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return call(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, req, s.frameworkServer.ReadDataSource)
}

// releasableContext is ctx until release, then a canceled context without
// values, so that whatever still holds it (the framework's registered
// cancel functions) no longer holds ctx.
//
// While live it passes Done through unchanged, so a context derived from
// it registers directly with ctx's nearest cancel context (no goroutine),
// and is canceled when ctx is.
type releasableContext struct {
	parent atomic.Pointer[context.Context]
}

// released is what a releasableContext is after release.
var released = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func newReleasableContext(ctx context.Context) *releasableContext {
	rc := &releasableContext{}
	rc.parent.Store(&ctx)
	return rc
}

func (c *releasableContext) release() { c.parent.Store(&released) }

func (c *releasableContext) ctx() context.Context { return *c.parent.Load() }

func (c *releasableContext) Deadline() (time.Time, bool) { return c.ctx().Deadline() }
func (c *releasableContext) Done() <-chan struct{}       { return c.ctx().Done() }
func (c *releasableContext) Err() error                  { return c.ctx().Err() }
func (c *releasableContext) Value(key any) any           { return c.ctx().Value(key) }
