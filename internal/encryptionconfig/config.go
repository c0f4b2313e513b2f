// Package encryptionconfig owns the EncryptionConfiguration
// (apiserver.config.k8s.io/v1) that kube-apiserver reads through
// --encryption-provider-config, restricted to what kubeharden manages: one
// resources entry encrypted with KMS v2 providers, optionally followed by the
// identity provider. It renders the document, validates it with the API
// server's own rules, decodes it with the API server's own decoder, writes
// it to disk atomically with mode 0600, and reads it back (drift, import).
//
// The types, the conversion, the decoder and the validation all come from
// k8s.io/apiserver, so what passes here is what kube-apiserver accepts.
package encryptionconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/apis/apiserver"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/apis/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// KMSAPIVersion is the only KMS plugin API this package renders.
const KMSAPIVersion = "v2"

// DefaultTimeout is the KMS call timeout kube-apiserver uses when none is set.
const DefaultTimeout = "3s"

// header starts every rendered document; kube-apiserver ignores comments.
const header = "# Managed by Terraform (kubeharden_encryption_config). Changes made by hand are reverted on the next apply.\n"

// KMSProvider is one KMS v2 plugin.
type KMSProvider struct {
	// Name identifies the key in every stored object (k8s:enc:kms:v2:<name>:),
	// so it must be unique and must not contain ':'.
	Name string
	// Endpoint is the plugin's gRPC socket, unix:///path.
	Endpoint string
	// Timeout is a Go duration, e.g. "3s".
	Timeout string
}

// Config is what kubeharden manages of an EncryptionConfiguration.
type Config struct {
	// Resources are encrypted, e.g. "secrets", "configmaps", "*.apps".
	Resources []string
	// KMS lists the providers in order: the first encrypts every write, the
	// others only decrypt (objects written before a rotation).
	KMS []KMSProvider
	// IdentityFallback adds `identity: {}` last, so objects stored before
	// encryption was enabled stay readable.
	IdentityFallback bool
}

// Attribute names of the Terraform resource that a Problem can point at.
const (
	AttrResources        = "resources"
	AttrKMS              = "kms"
	AttrIdentityFallback = "identity_fallback"
)

// FieldPath points at the Terraform attribute at fault: Attribute alone (the
// whole list), with Index (an element), and with Field (an element's field).
// An empty Attribute means the configuration as a whole.
type FieldPath struct {
	Attribute string
	Index     int // -1 when the path names the whole attribute
	Field     string
}

func (p FieldPath) String() string {
	s := p.Attribute
	if p.Index >= 0 {
		s += "[" + strconv.Itoa(p.Index) + "]"
	}
	if p.Field != "" {
		s += "." + p.Field
	}
	return s
}

// Problem is one reason kube-apiserver would reject the configuration.
type Problem struct {
	Path    FieldPath
	Summary string
	Detail  string
}

var (
	scheme = runtime.NewScheme()
	// codecs mirrors the decoder kube-apiserver builds for the file in
	// k8s.io/apiserver/pkg/server/options/encryptionconfig: the internal and
	// v1 types, strict decoding (unknown or duplicate fields are errors).
	codecs serializer.CodecFactory
)

func init() {
	utilruntime.Must(apiserver.AddToScheme(scheme))
	utilruntime.Must(apiserverv1.AddToScheme(scheme))
	codecs = serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}

// external builds the v1 object. A timeout that is not a Go duration is
// replaced by 1s so that the API server's rules can still run on the rest;
// badTimeouts lists the indexes of those entries.
func (c Config) external() (obj *apiserverv1.EncryptionConfiguration, badTimeouts map[int]error) {
	obj = &apiserverv1.EncryptionConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: apiserverv1.SchemeGroupVersion.String(), Kind: "EncryptionConfiguration"},
	}
	entry := apiserverv1.ResourceConfiguration{Resources: append([]string{}, c.Resources...), Providers: []apiserverv1.ProviderConfiguration{}}
	for i, k := range c.KMS {
		d, err := time.ParseDuration(k.Timeout)
		if err != nil {
			if badTimeouts == nil {
				badTimeouts = map[int]error{}
			}
			badTimeouts[i] = err
			d = time.Second
		}
		entry.Providers = append(entry.Providers, apiserverv1.ProviderConfiguration{KMS: &apiserverv1.KMSConfiguration{
			APIVersion: KMSAPIVersion,
			Name:       k.Name,
			Endpoint:   k.Endpoint,
			Timeout:    &metav1.Duration{Duration: d},
		}})
	}
	if c.IdentityFallback {
		entry.Providers = append(entry.Providers, apiserverv1.ProviderConfiguration{Identity: &apiserverv1.IdentityConfiguration{}})
	}
	obj.Resources = []apiserverv1.ResourceConfiguration{entry}
	return obj, badTimeouts
}

func toInternal(ext *apiserverv1.EncryptionConfiguration) (*apiserver.EncryptionConfiguration, error) {
	scheme.Default(ext)
	out := &apiserver.EncryptionConfiguration{}
	if err := scheme.Convert(ext, out, nil); err != nil {
		return nil, fmt.Errorf("converting the EncryptionConfiguration to the API server's internal type: %w", err)
	}
	return out, nil
}

func timeoutError(c Config, bad map[int]error) error {
	var errs []error
	for i := range c.KMS {
		if err, ok := bad[i]; ok {
			errs = append(errs, fmt.Errorf("kms[%d].timeout: %q is not a Go duration such as \"3s\" or \"500ms\": %w", i, c.KMS[i].Timeout, err))
		}
	}
	return errors.Join(errs...)
}

// Render returns the YAML document. The same Config always renders the same
// bytes (keys sorted, no timestamps). It fails when a timeout is not a Go
// duration or a string holds a character YAML cannot carry; a Config that
// passes Validate always renders.
func Render(c Config) ([]byte, error) {
	ext, bad := c.external()
	if len(bad) > 0 {
		return nil, timeoutError(c, bad)
	}
	b, err := yaml.Marshal(ext)
	if err != nil {
		return nil, fmt.Errorf("rendering the EncryptionConfiguration: %w", err)
	}
	return append([]byte(header), b...), nil
}

// Sum returns the hex SHA-256 of a rendered document. kube-apiserver reports
// the same value, prefixed with "sha256:", in the metric
// apiserver_encryption_config_controller_last_config_info once it has loaded
// the file.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Decode reads a document exactly as kube-apiserver does, and returns the
// defaulted internal object, without validating it.
func Decode(data []byte) (*apiserver.EncryptionConfiguration, error) {
	obj, gvk, err := codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decoding the EncryptionConfiguration: %w", err)
	}
	cfg, ok := obj.(*apiserver.EncryptionConfiguration)
	if !ok {
		return nil, fmt.Errorf("the document is a %s, not an EncryptionConfiguration", gvk)
	}
	return cfg, nil
}

// Validate reports every reason kube-apiserver (with automatic reload on)
// would refuse c, each mapped to the Terraform attribute at fault.
func Validate(c Config) []Problem {
	var problems []Problem
	if len(c.Resources) == 0 {
		problems = append(problems, Problem{FieldPath{AttrResources, -1, ""}, "Missing Resources",
			"resources: at least one resource to encrypt is required, e.g. [\"secrets\"]."})
	}
	if len(c.KMS) == 0 {
		problems = append(problems, Problem{FieldPath{AttrKMS, -1, ""}, "Missing KMS Provider",
			"kms: at least one KMS v2 provider is required; the first one encrypts every write."})
	}
	if len(problems) > 0 {
		return problems
	}
	problems = append(problems, printable(c)...)
	ext, bad := c.external()
	for i := range c.KMS {
		if err, ok := bad[i]; ok {
			problems = append(problems, Problem{FieldPath{AttrKMS, i, "timeout"}, "Invalid KMS Timeout",
				fmt.Sprintf("kms[%d].timeout: %q is not a Go duration such as \"3s\" or \"500ms\" (%v).", i, c.KMS[i].Timeout, err)})
		}
	}
	internal, err := toInternal(ext)
	if err != nil {
		return append(problems, Problem{FieldPath{Index: -1}, "Invalid Encryption Configuration", err.Error()})
	}
	// reload=true: kubeharden's guide turns automatic reload on, under which
	// the API server applies its strictest name rules.
	for _, fe := range validation.ValidateEncryptionConfiguration(internal, true) {
		p := mapPath(fe.Field, len(c.KMS))
		problems = append(problems, Problem{
			Path:    p,
			Summary: "Invalid Encryption Configuration",
			Detail:  describe(p, fe),
		})
	}
	return problems
}

// printable reports strings with characters that are not printable
// (control, format, unassigned): kube-apiserver would take some of them, but
// none belongs in a name, endpoint or resource, and YAML cannot carry them all.
func printable(c Config) []Problem {
	var problems []Problem
	check := func(p FieldPath, s string) {
		for i, r := range s {
			if !unicode.IsPrint(r) {
				problems = append(problems, Problem{p, "Invalid Character",
					fmt.Sprintf("%s: the value %q holds the non-printable character %U at byte %d; use printable characters only.", p, s, r, i)})
				return
			}
		}
	}
	for i, r := range c.Resources {
		check(FieldPath{AttrResources, i, ""}, r)
	}
	for i, k := range c.KMS {
		check(FieldPath{AttrKMS, i, "name"}, k.Name)
		check(FieldPath{AttrKMS, i, "endpoint"}, k.Endpoint)
	}
	return problems
}

func describe(p FieldPath, fe *field.Error) string {
	where := p.String()
	if where == "" {
		where = "the configuration"
	}
	return fmt.Sprintf("%s: kube-apiserver would reject this EncryptionConfiguration (field %s of the file): %s", where, fe.Field, fe.ErrorBody())
}

var (
	reResourcesList = regexp.MustCompile(`^resources\[0\]\.resources$`)
	reResource      = regexp.MustCompile(`^resources\[0\]\.resources\[(\d+)\]$`)
	reProviders     = regexp.MustCompile(`^resources\[0\]\.providers$`)
	reProvider      = regexp.MustCompile(`^resources\[0\]\.providers\[(\d+)\](?:\.kms\.(\w+))?`)
)

// kmsFields are the kms fields that exist as Terraform attributes; errors on
// other fields of a provider (apiVersion, cachesize) point at the provider.
var kmsFields = map[string]bool{"name": true, "endpoint": true, "timeout": true}

// mapPath maps a field path of the API server's validation, which speaks of
// the file (resources[0].providers[1].kms.name), to the Terraform attribute
// (kms[1].name). nKMS is the number of kms entries: a provider index past
// them is the identity fallback.
func mapPath(f string, nKMS int) FieldPath {
	switch {
	case reResourcesList.MatchString(f):
		return FieldPath{AttrResources, -1, ""}
	case reProviders.MatchString(f):
		return FieldPath{AttrKMS, -1, ""}
	}
	if m := reResource.FindStringSubmatch(f); m != nil {
		i, _ := strconv.Atoi(m[1])
		return FieldPath{AttrResources, i, ""}
	}
	if m := reProvider.FindStringSubmatch(f); m != nil {
		j, _ := strconv.Atoi(m[1])
		if j >= nKMS {
			return FieldPath{AttrIdentityFallback, -1, ""}
		}
		if kmsFields[m[2]] {
			return FieldPath{AttrKMS, j, m[2]}
		}
		return FieldPath{AttrKMS, j, ""}
	}
	return FieldPath{Index: -1}
}

// Describe summarizes a document as kube-apiserver reads it: each
// resources entry and its providers in order, for example
// `secrets: aescbc, kms v2 "kms-a", identity`. Entries are separated by "; ".
func Describe(data []byte) (string, error) {
	c, err := Decode(data)
	if err != nil {
		return "", err
	}
	entries := make([]string, 0, len(c.Resources))
	for _, r := range c.Resources {
		providers := make([]string, 0, len(r.Providers))
		for _, p := range r.Providers {
			switch {
			case p.KMS != nil:
				providers = append(providers, fmt.Sprintf("kms %s %q", p.KMS.APIVersion, p.KMS.Name))
			case p.AESGCM != nil:
				providers = append(providers, "aesgcm")
			case p.AESCBC != nil:
				providers = append(providers, "aescbc")
			case p.Secretbox != nil:
				providers = append(providers, "secretbox")
			case p.Identity != nil:
				providers = append(providers, "identity")
			}
		}
		entries = append(entries, strings.Join(r.Resources, ", ")+": "+strings.Join(providers, ", "))
	}
	return strings.Join(entries, "; "), nil
}

// Parse reads a document written by kubeharden (or by hand in the same
// shape) back into a Config, for import. It refuses what the resource cannot
// express: several resources entries, and providers other than KMS v2
// followed by at most one identity.
func Parse(data []byte) (Config, error) {
	internal, err := Decode(data)
	if err != nil {
		return Config{}, err
	}
	if len(internal.Resources) != 1 {
		return Config{}, fmt.Errorf("the EncryptionConfiguration has %d resources entries; kubeharden_encryption_config manages exactly one", len(internal.Resources))
	}
	entry := internal.Resources[0]
	c := Config{Resources: append([]string{}, entry.Resources...)}
	for i, p := range entry.Providers {
		switch {
		case p.Identity != nil && p.KMS == nil && p.AESGCM == nil && p.AESCBC == nil && p.Secretbox == nil:
			if i != len(entry.Providers)-1 {
				return Config{}, fmt.Errorf("providers[%d] is identity but not the last provider; kubeharden_encryption_config only puts identity last (identity_fallback)", i)
			}
			c.IdentityFallback = true
		case p.KMS != nil && p.Identity == nil && p.AESGCM == nil && p.AESCBC == nil && p.Secretbox == nil:
			if p.KMS.APIVersion != KMSAPIVersion {
				return Config{}, fmt.Errorf("providers[%d] is a KMS %s provider; kubeharden_encryption_config manages KMS v2 only", i, p.KMS.APIVersion)
			}
			k := KMSProvider{Name: p.KMS.Name, Endpoint: p.KMS.Endpoint, Timeout: DefaultTimeout}
			if p.KMS.Timeout != nil {
				k.Timeout = p.KMS.Timeout.Duration.String()
			}
			c.KMS = append(c.KMS, k)
		default:
			return Config{}, fmt.Errorf("providers[%d] is not a KMS v2 or identity provider; kubeharden_encryption_config manages KMS v2 only", i)
		}
	}
	return c, nil
}
