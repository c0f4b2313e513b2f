package eks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
)

// TestDescribeHungCall: a call to an endpoint that never answers ends at
// the context's deadline, and the real SDK's error is described as a time
// limit reached, naming the call, not as an API error.
func TestDescribeHungCall(t *testing.T) {
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()
	client := eks.New(eks.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(hung.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := DescribeCluster(ctx, client, "prod")
	if err == nil {
		t.Fatal("DescribeCluster of a hung endpoint succeeded")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the call ended after %s, not at its 200ms deadline", waited)
	}
	summary, detail := Describe(Op{Action: "DescribeCluster", Cluster: "prod", Region: "eu-west-1"}, err)
	if summary != "EKS API Call Timed Out" {
		t.Errorf("summary %q for %v", summary, err)
	}
	for _, want := range []string{`The call DescribeCluster of cluster "prod" in eu-west-1 did not finish in time`, "time limit was reached", "timeouts.read"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
}
