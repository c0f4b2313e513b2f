package provider

import (
	"context"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

// eksClient returns the EKS client, or adds a diagnostic that says why there
// is none (no region, no credentials, an aws block unknown until apply).
func (d *ProviderData) eksClient(ctx context.Context, op eks.Op, diags *diag.Diagnostics) *eks.Client {
	if d == nil {
		diags.AddError("Provider Not Configured", "The kubeharden provider was not configured before it was used. This is a bug in the provider; please report it.")
		return nil
	}
	c, err := d.AWS.Get(ctx)
	if err != nil {
		addEKSError(diags, op, err)
		return nil
	}
	return c
}

// describeEKSCluster builds the EKS client and describes the cluster name,
// reporting any failure to diags (ok false). With allowMissing, a cluster
// that does not exist is not an error: cluster is then nil and ok true, and
// the caller decides (a Read drops the resource from state).
func (d *ProviderData) describeEKSCluster(ctx context.Context, name string, allowMissing bool, diags *diag.Diagnostics) (c *eks.Client, cluster *ekstypes.Cluster, ok bool) {
	op := eks.Op{Action: "DescribeCluster", Cluster: name}
	if c = d.eksClient(ctx, op, diags); c == nil {
		return nil, nil, false
	}
	op.Region = c.Region
	cluster, err := eks.DescribeCluster(ctx, c.EKS, name)
	if allowMissing && eks.IsNotFound(err) {
		return c, nil, true
	}
	if err != nil {
		addEKSError(diags, op, err)
		return nil, nil, false
	}
	return c, cluster, true
}

// addEKSError adds the diagnostic that describes err, a failure of op.
func addEKSError(diags *diag.Diagnostics, op eks.Op, err error) {
	summary, detail := eks.Describe(op, err)
	diags.AddError(summary, detail)
}
