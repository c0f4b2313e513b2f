package seccomp

import (
	"context"
	"encoding/json"
	"fmt"

	admv1 "k8s.io/api/admissionregistration/v1"
	admv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	admv1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	admv1beta1ac "k8s.io/client-go/applyconfigurations/admissionregistration/v1beta1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// API versions of MutatingAdmissionPolicy, in order of preference.
const (
	Group             = "admissionregistration.k8s.io"
	APIVersionV1      = Group + "/v1"
	APIVersionV1beta1 = Group + "/v1beta1"
)

// Resource names, for API calls and RBAC.
const (
	PolicyResource  = "mutatingadmissionpolicies"
	BindingResource = "mutatingadmissionpolicybindings"
)

// RBACRules are all the permissions the resource needs, cluster-wide: get
// for refresh, patch for server-side apply and create for the apply that
// creates an object (the API server checks both), delete for destroy.
// Discovery is granted to every authenticated user by system:discovery.
var RBACRules = []rbacv1.PolicyRule{{
	APIGroups: []string{Group},
	Resources: []string{PolicyResource, BindingResource},
	Verbs:     []string{"get", "create", "patch", "delete"},
}}

// Discovery is the part of the discovery API that Discover reads. Unlike
// client-go's DiscoveryInterface, every call takes a context, so that the
// resource's timeouts bound it.
type Discovery interface {
	ResourcesFor(ctx context.Context, groupVersion string) (*metav1.APIResourceList, error)
	ServerVersion(ctx context.Context) (string, error)
}

// NewDiscovery reads discovery documents through rc, the discovery client's
// REST client.
func NewDiscovery(rc rest.Interface) Discovery { return restDiscovery{rc} }

type restDiscovery struct{ rc rest.Interface }

func (d restDiscovery) ResourcesFor(ctx context.Context, gv string) (*metav1.APIResourceList, error) {
	list := &metav1.APIResourceList{}
	if err := d.rc.Get().AbsPath("/apis/" + gv).Do(ctx).Into(list); err != nil {
		return nil, err
	}
	return list, nil
}

func (d restDiscovery) ServerVersion(ctx context.Context) (string, error) {
	body, err := d.rc.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", err
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("parsing the server version: %w", err)
	}
	return info.GitVersion, nil
}

// NotServedError says that a cluster serves no MutatingAdmissionPolicy API.
type NotServedError struct {
	// ServerVersion is the cluster's git version, or a note on why it is unknown.
	ServerVersion string
}

func (e *NotServedError) Error() string {
	return fmt.Sprintf("the cluster (Kubernetes %s) serves neither %s nor %s MutatingAdmissionPolicy and MutatingAdmissionPolicyBinding. "+
		"kubeharden_seccomp_default needs Kubernetes 1.36 or later (where the v1 API is GA and served by default), "+
		"or Kubernetes 1.34/1.35 with kube-apiserver started with --feature-gates=MutatingAdmissionPolicy=true "+
		"and --runtime-config=%s=true. On a managed cluster, upgrade the control plane to 1.36 or later; on 1.36 or later, "+
		"check that --runtime-config does not disable %s/%s",
		e.ServerVersion, APIVersionV1, APIVersionV1beta1, APIVersionV1beta1, APIVersionV1, PolicyResource)
}

// Discover returns the preferred MutatingAdmissionPolicy API version the
// cluster serves (v1, else v1beta1), or a *NotServedError when it serves
// neither.
func Discover(ctx context.Context, d Discovery) (string, error) {
	for _, gv := range []string{APIVersionV1, APIVersionV1beta1} {
		list, err := d.ResourcesFor(ctx, gv)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reading the discovery document of %s: %w", gv, err)
		}
		var policies, bindings bool
		for _, r := range list.APIResources {
			policies = policies || r.Name == PolicyResource
			bindings = bindings || r.Name == BindingResource
		}
		if policies && bindings {
			return gv, nil
		}
	}
	v, err := d.ServerVersion(ctx)
	if err != nil {
		v = fmt.Sprintf("of unknown version (%v)", err)
	}
	return "", &NotServedError{ServerVersion: v}
}

// Client reads and writes the policy and the binding through one API version.
// Objects of v1beta1 are converted to and from v1, whose schema is the same,
// so that the rest of the package deals with v1 types only.
type Client struct {
	Clientset  kubernetes.Interface
	APIVersion string
}

func applyOptions() metav1.ApplyOptions {
	// Force: the resource owns these objects outright; a field another manager
	// took (kubectl edit) is taken back, which is how drift is repaired.
	return metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
}

// typedClient is what the v1 and v1beta1 typed clients of
// MutatingAdmissionPolicy and of its binding share: O is the object type and
// A its apply configuration in that version.
type typedClient[O, A any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (O, error)
	Apply(ctx context.Context, obj A, opts metav1.ApplyOptions) (O, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// apply writes p, a v1 apply configuration, through the client of the
// served version; for v1beta1 it is converted first. PBA names the v1beta1
// apply configuration's pointer type, for its WithAPIVersion.
func apply[A, BA any, PBA interface {
	*BA
	WithAPIVersion(string) *BA
}, O, BO any](ctx context.Context, c Client, v1 typedClient[O, *A], beta typedClient[BO, PBA], p *A) error {
	switch c.APIVersion {
	case APIVersionV1:
		_, err := v1.Apply(ctx, p, applyOptions())
		return err
	case APIVersionV1beta1:
		b := PBA(new(BA))
		if err := convert(p, b); err != nil {
			return err
		}
		b.WithAPIVersion(APIVersionV1beta1)
		_, err := beta.Apply(ctx, b, applyOptions())
		return err
	}
	return c.unsupported()
}

// get reads the object named name through the client of the served
// version, as v1; a missing one is (nil, nil).
func get[O, BO any, A, BA any](ctx context.Context, c Client, v1 typedClient[*O, A], beta typedClient[*BO, BA], name string) (*O, error) {
	var out *O
	var err error
	switch c.APIVersion {
	case APIVersionV1:
		out, err = v1.Get(ctx, name, metav1.GetOptions{})
	case APIVersionV1beta1:
		var b *BO
		if b, err = beta.Get(ctx, name, metav1.GetOptions{}); err == nil {
			out = new(O)
			err = convert(b, out)
		}
	default:
		return nil, c.unsupported()
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

// remove deletes the object named name through the client of the served
// version; one already gone is not an error.
func remove[O, BO any, A, BA any](ctx context.Context, c Client, v1 typedClient[O, A], beta typedClient[BO, BA], name string) error {
	var err error
	switch c.APIVersion {
	case APIVersionV1:
		err = v1.Delete(ctx, name, metav1.DeleteOptions{})
	case APIVersionV1beta1:
		err = beta.Delete(ctx, name, metav1.DeleteOptions{})
	default:
		return c.unsupported()
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// ApplyPolicy writes the policy with server-side apply.
func (c Client) ApplyPolicy(ctx context.Context, p *admv1ac.MutatingAdmissionPolicyApplyConfiguration) error {
	return apply(ctx, c, c.policiesV1(), c.policiesV1beta1(), p)
}

// ApplyBinding writes the binding with server-side apply.
func (c Client) ApplyBinding(ctx context.Context, p *admv1ac.MutatingAdmissionPolicyBindingApplyConfiguration) error {
	return apply(ctx, c, c.bindingsV1(), c.bindingsV1beta1(), p)
}

// GetPolicy reads the policy named name; a missing one is (nil, nil).
func (c Client) GetPolicy(ctx context.Context, name string) (*admv1.MutatingAdmissionPolicy, error) {
	return get(ctx, c, c.policiesV1(), c.policiesV1beta1(), name)
}

// GetBinding reads the binding named name; a missing one is (nil, nil).
func (c Client) GetBinding(ctx context.Context, name string) (*admv1.MutatingAdmissionPolicyBinding, error) {
	return get(ctx, c, c.bindingsV1(), c.bindingsV1beta1(), name)
}

// DeletePolicy deletes the policy; one already gone is not an error.
func (c Client) DeletePolicy(ctx context.Context, name string) error {
	return remove(ctx, c, c.policiesV1(), c.policiesV1beta1(), name)
}

// DeleteBinding deletes the binding; one already gone is not an error.
func (c Client) DeleteBinding(ctx context.Context, name string) error {
	return remove(ctx, c, c.bindingsV1(), c.bindingsV1beta1(), name)
}

func (c Client) policiesV1() typedClient[*admv1.MutatingAdmissionPolicy, *admv1ac.MutatingAdmissionPolicyApplyConfiguration] {
	return c.Clientset.AdmissionregistrationV1().MutatingAdmissionPolicies()
}

func (c Client) policiesV1beta1() typedClient[*admv1beta1.MutatingAdmissionPolicy, *admv1beta1ac.MutatingAdmissionPolicyApplyConfiguration] {
	return c.Clientset.AdmissionregistrationV1beta1().MutatingAdmissionPolicies()
}

func (c Client) bindingsV1() typedClient[*admv1.MutatingAdmissionPolicyBinding, *admv1ac.MutatingAdmissionPolicyBindingApplyConfiguration] {
	return c.Clientset.AdmissionregistrationV1().MutatingAdmissionPolicyBindings()
}

func (c Client) bindingsV1beta1() typedClient[*admv1beta1.MutatingAdmissionPolicyBinding, *admv1beta1ac.MutatingAdmissionPolicyBindingApplyConfiguration] {
	return c.Clientset.AdmissionregistrationV1beta1().MutatingAdmissionPolicyBindings()
}

func (c Client) unsupported() error {
	return fmt.Errorf("unsupported MutatingAdmissionPolicy API version %q (want %s or %s)", c.APIVersion, APIVersionV1, APIVersionV1beta1)
}

// convert copies in to out through JSON: the v1 and v1beta1 types of
// MutatingAdmissionPolicy have the same fields, and client-go has no
// conversion between them outside the API server.
func convert(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("converting %T: %w", in, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("converting %T to %T: %w", in, out, err)
	}
	return nil
}
