package provider

import (
	"context"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

// describeEKSCluster builds the EKS client and describes the cluster name,
// reporting any failure to diags (ok false). With allowMissing, a cluster
// that does not exist is not an error: cluster is then nil and ok true, and
// the caller decides (a Read drops the resource from state).
func (b *base) describeEKSCluster(ctx context.Context, name string, allowMissing bool, diags *diag.Diagnostics) (c *eks.Client, cluster *ekstypes.Cluster, ok bool) {
	op := eks.Op{Action: "DescribeCluster", Cluster: name}
	if c = b.eks(ctx, op, diags); c == nil {
		return nil, nil, false
	}
	op.Region = c.Region
	cluster, err := eks.DescribeCluster(ctx, c.EKS, name)
	if allowMissing && eks.IsNotFound(err) {
		return c, nil, true
	}
	if err != nil {
		b.eksError(diags, op, err)
		return nil, nil, false
	}
	return c, cluster, true
}
