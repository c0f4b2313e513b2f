package provider

import (
	"context"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// waitAllowed polls a SubjectAccessReview until the authorizer allows spec:
// the RBAC authorizer sees new roles and bindings through an informer, a
// moment after they are created.
func waitAllowed(cp *acctest.ControlPlane, spec authorizationv1.SubjectAccessReviewSpec) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		got, err := cp.Clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx,
			&authorizationv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
		if err == nil && got.Status.Allowed {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("denied: %s", got.Status.Reason)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s was not allowed %+v within 30s (last error: %w)", spec.User, *spec.ResourceAttributes, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
