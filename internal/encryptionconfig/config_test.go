package encryptionconfig

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiserver/pkg/apis/apiserver"
)

func sample() Config {
	return Config{
		Resources: []string{"secrets", "configmaps"},
		KMS: []KMSProvider{
			{Name: "kms-2026", Endpoint: "unix:///var/run/kms/plugin.sock", Timeout: "3s"},
			{Name: "kms-2025", Endpoint: "unix:///var/run/kms/old.sock", Timeout: "90s"},
		},
		IdentityFallback: true,
	}
}

func TestRender(t *testing.T) {
	got, err := Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	want := header + `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- providers:
  - kms:
      apiVersion: v2
      endpoint: unix:///var/run/kms/plugin.sock
      name: kms-2026
      timeout: 3s
  - kms:
      apiVersion: v2
      endpoint: unix:///var/run/kms/old.sock
      name: kms-2025
      timeout: 1m30s
  - identity: {}
  resources:
  - secrets
  - configmaps
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
	again, _ := Render(sample())
	if string(again) != string(got) {
		t.Error("Render is not deterministic")
	}
	if Sum(got) != Sum(again) || len(Sum(got)) != 64 {
		t.Errorf("Sum = %q", Sum(got))
	}
	if len(Validate(sample())) != 0 {
		t.Errorf("the sample is invalid: %v", Validate(sample()))
	}
}

func TestRenderWithoutIdentity(t *testing.T) {
	c := sample()
	c.IdentityFallback = false
	got, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "identity") {
		t.Errorf("identity rendered although identity_fallback is false:\n%s", got)
	}
	internal, err := Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(internal.Resources[0].Providers); n != 2 {
		t.Errorf("decoded %d providers, want 2", n)
	}
}

func TestRenderBadTimeout(t *testing.T) {
	c := sample()
	c.KMS[1].Timeout = "soon"
	if _, err := Render(c); err == nil || !strings.Contains(err.Error(), `kms[1].timeout: "soon" is not a Go duration`) {
		t.Errorf("Render error = %v", err)
	}
}

// TestValidate has one case per rule of the API server's validation, and
// checks the Terraform attribute each is reported on.
func TestValidate(t *testing.T) {
	kms := func(name, endpoint, timeout string) KMSProvider { return KMSProvider{name, endpoint, timeout} }
	ok := kms("a", "unix:///a.sock", "3s")
	cases := []struct {
		name      string
		resources []string
		kms       []KMSProvider
		identity  bool
		wantPath  string
		wantText  string
	}{
		{"name with colon", []string{"secrets"}, []KMSProvider{kms("a:b", "unix:///a.sock", "3s")}, false, "kms[0].name", "must not contain ':'"},
		{"empty name", []string{"secrets"}, []KMSProvider{kms("", "unix:///a.sock", "3s")}, false, "kms[0].name", "name is a mandatory field"},
		{"duplicate names", []string{"secrets"}, []KMSProvider{ok, kms("a", "unix:///b.sock", "3s")}, false, "kms[1].name", "duplicate KMS provider name a"},
		{"endpoint tcp", []string{"secrets"}, []KMSProvider{kms("a", "tcp://127.0.0.1:1", "3s")}, false, "kms[0].endpoint", `unsupported scheme "tcp"`},
		{"endpoint path", []string{"secrets"}, []KMSProvider{kms("a", "/var/run/kms.sock", "3s")}, false, "kms[0].endpoint", `unsupported scheme ""`},
		{"endpoint empty", []string{"secrets"}, []KMSProvider{kms("a", "", "3s")}, false, "kms[0].endpoint", "endpoint is a mandatory field"},
		{"endpoint malformed", []string{"secrets"}, []KMSProvider{kms("a", "unix://%zz", "3s")}, false, "kms[0].endpoint", "invalid endpoint"},
		{"timeout zero", []string{"secrets"}, []KMSProvider{kms("a", "unix:///a.sock", "0s")}, false, "kms[0].timeout", "timeout should be a positive value"},
		{"timeout negative", []string{"secrets"}, []KMSProvider{kms("a", "unix:///a.sock", "-1s")}, false, "kms[0].timeout", "timeout should be a positive value"},
		{"timeout not a duration", []string{"secrets"}, []KMSProvider{ok, kms("b", "unix:///b.sock", "3")}, false, "kms[1].timeout", "is not a Go duration"},
		{"no kms", []string{"secrets"}, nil, true, "kms", "at least one KMS v2 provider"},
		{"no resources", nil, []KMSProvider{ok}, false, "resources", "at least one resource"},
		{"star", []string{"*"}, []KMSProvider{ok}, false, "resources[0]", "use '*.' to encrypt all the resources from core API group"},
		{"capitals", []string{"secrets", "ConfigMaps"}, []KMSProvider{ok}, false, "resources[1]", "should not contain capital letters"},
		{"extensions", []string{"deployments.extensions"}, []KMSProvider{ok}, false, "resources[0]", "'extensions' group has been removed"},
		{"events.k8s.io", []string{"events.events.k8s.io"}, []KMSProvider{ok}, false, "resources[0]", "Use 'events' instead"},
		{"across groups", []string{"secrets.*"}, []KMSProvider{ok}, false, "resources[0]", "encrypting the same resource across groups is not supported"},
		{"control character", []string{"secrets"}, []KMSProvider{kms("a\x7f", "unix:///a.sock", "3s")}, false, "kms[0].name", "non-printable character U+007F"},
		{"tab in endpoint", []string{"secrets"}, []KMSProvider{kms("a", "unix:///a\t.sock", "3s")}, false, "kms[0].endpoint", "non-printable character U+0009"},
		{"newline in resource", []string{"secrets\n"}, []KMSProvider{ok}, false, "resources[0]", "non-printable"},
		{"non-REST", []string{"serviceipallocations"}, []KMSProvider{ok}, false, "resources[0]", "do not have REST API"},
		{"duplicates", []string{"secrets", "configmaps", "secrets"}, []KMSProvider{ok}, false, "resources", "the same resource cannot be specified multiple times"},
		{"overlap core", []string{"secrets", "*."}, []KMSProvider{ok}, false, "resources", "overlapping resources"},
		{"overlap all", []string{"*.*", "configmaps"}, []KMSProvider{ok}, false, "resources", "overlapping resources"},
		{"overlap group", []string{"deployments.apps", "*.apps"}, []KMSProvider{ok}, false, "resources", "overlapping resources"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := Validate(Config{Resources: tc.resources, KMS: tc.kms, IdentityFallback: tc.identity})
			for _, p := range problems {
				if p.Path.String() == tc.wantPath && strings.Contains(p.Detail, tc.wantText) && strings.HasPrefix(p.Detail, tc.wantPath+": ") {
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got %+v", tc.wantPath, tc.wantText, problems)
		})
	}
}

func TestValidateAcceptsWildcards(t *testing.T) {
	for _, r := range [][]string{{"*.*"}, {"*."}, {"*.apps", "secrets"}, {"secrets", "configmaps", "deployments.apps", "widgets.example.com"}} {
		c := Config{Resources: r, KMS: []KMSProvider{{"a", "unix:///a.sock", "3s"}}}
		if p := Validate(c); len(p) != 0 {
			t.Errorf("%v: unexpected problems %+v", r, p)
		}
	}
}

func TestMapPath(t *testing.T) {
	for in, want := range map[string]string{
		"resources[0].resources":                  "resources",
		"resources[0].resources[3]":               "resources[3]",
		"resources[0].providers":                  "kms",
		"resources[0].providers[1]":               "kms[1]",
		"resources[0].providers[1].kms.name":      "kms[1].name",
		"resources[0].providers[0].kms.endpoint":  "kms[0].endpoint",
		"resources[0].providers[0].kms.timeout":   "kms[0].timeout",
		"resources[0].providers[0].kms.cachesize": "kms[0]",
		"resources[0].providers[2]":               "identity_fallback",
		"resources":                               "",
		"resources[1].resources[0]":               "",
	} {
		if got := mapPath(in, 2).String(); got != want {
			t.Errorf("mapPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	c := sample()
	b, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	c.KMS[1].Timeout = "1m30s" // rendered in Go's canonical form
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Parse(Render(c)) (-want +got):\n%s", diff)
	}
}

func TestParseRefusesForeignShapes(t *testing.T) {
	for name, doc := range map[string]string{
		"aescbc": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: k, secret: c2VjcmV0IGlzIHNlY3VyZQ==}]}`,
		"two entries": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{identity: {}}]
- resources: [configmaps]
  providers: [{identity: {}}]`,
		"kms v1": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{kms: {name: a, endpoint: "unix:///a.sock"}}]`,
		"identity first": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{identity: {}}, {kms: {apiVersion: v2, name: a, endpoint: "unix:///a.sock"}}]`,
		"unknown field": `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{kms: {apiVersion: v2, name: a, endpoint: "unix:///a.sock", tiemout: 3s}}]`,
		"not yaml": "{",
		"wrong kind": `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

// internalConfig returns c as the API server holds it after decoding the
// file: the internal type, defaulted and converted with the API server's
// scheme.
func internalConfig(c Config) (*apiserver.EncryptionConfiguration, error) {
	ext, bad := c.external()
	if len(bad) > 0 {
		return nil, timeoutError(c, bad)
	}
	return toInternal(ext)
}

// FuzzRenderDecode renders a configuration built from arbitrary strings and
// decodes the result with kube-apiserver's own decoder: the object it gets
// must equal the one Render meant, whatever the strings hold (quotes, colons,
// YAML syntax, newlines, unicode).
func FuzzRenderDecode(f *testing.F) {
	f.Add("secrets", "configmaps", "kms-2026", "unix:///var/run/kms/plugin.sock", "3s", "kms-2025", "unix:///old.sock", "1m30s", true)
	f.Add("*.*", "", "a:b", "tcp://x", "0s", "a", "", "-5ms", false)
	f.Add("deployments.apps", "Secrets", "- x", "unix://%zz", "1h", "'q'", "\"d\"\n", "500ms", true)
	f.Add("# c", "yes", "null", "~", "2562047h47m16.854775807s", "{}", "[a]", "1ns", false)
	f.Fuzz(func(t *testing.T, r1, r2, n1, e1, t1, n2, e2, t2 string, identity bool) {
		for _, s := range []string{r1, r2, n1, e1, t1, n2, e2, t2} {
			if !utf8.ValidString(s) { // Terraform strings are always UTF-8
				return
			}
		}
		resources := []string{r1}
		if r2 != "" {
			resources = append(resources, r2)
		}
		c := Config{Resources: resources, KMS: []KMSProvider{{n1, e1, t1}, {n2, e2, t2}}, IdentityFallback: identity}
		problems := Validate(c)
		want, err := internalConfig(c)
		if err != nil {
			if len(problems) == 0 {
				t.Fatalf("internalConfig failed on a valid configuration: %v", err)
			}
			return
		}
		doc, err := Render(c)
		if err != nil {
			if len(problems) == 0 {
				t.Fatalf("Render failed on a valid configuration: %v", err)
			}
			return
		}
		got, err := Decode(doc)
		if err != nil {
			t.Fatalf("the API server's decoder rejects the rendered document: %v\n%s", err, doc)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("decoded document differs (-want +got):\n%s\n%s", diff, doc)
		}
		// Validation never panics, and never reports a path outside the schema.
		for _, p := range problems {
			switch p.Path.Attribute {
			case AttrResources, AttrKMS, AttrIdentityFallback, "":
			default:
				t.Fatalf("problem on an unknown attribute: %+v", p)
			}
		}
	})
}

// FuzzParse feeds arbitrary documents to the import parser: it never
// panics, and what it accepts renders back to the same configuration.
func FuzzParse(f *testing.F) {
	doc, _ := Render(sample())
	f.Add(string(doc))
	f.Add("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{kms: {apiVersion: v2, name: a, endpoint: \"unix:///a\"}}]\n")
	f.Add("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n")
	f.Add("kind: EncryptionConfiguration")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse([]byte(s))
		if err != nil {
			return
		}
		for _, k := range c.KMS {
			if !utf8.ValidString(k.Name) || !utf8.ValidString(k.Endpoint) {
				return
			}
		}
		for _, r := range c.Resources {
			if !utf8.ValidString(r) {
				return
			}
		}
		doc, err := Render(c)
		if err != nil {
			t.Fatalf("Render of a parsed configuration failed: %v", err)
		}
		again, err := Parse(doc)
		if err != nil {
			t.Fatalf("Parse of a rendered configuration failed: %v\n%s", err, doc)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("round trip differs (-want +got):\n%s", diff)
		}
	})
}

// FuzzMapPath checks that any field path maps to an attribute of the schema
// without panicking.
func FuzzMapPath(f *testing.F) {
	for _, s := range []string{"resources[0].resources[1]", "resources[0].providers[9].kms.name", "resources[0].providers[99999999999999999999]", ""} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		p := mapPath(s, n)
		switch p.Attribute {
		case AttrResources, AttrKMS, AttrIdentityFallback, "":
		default:
			t.Fatalf("mapPath(%q) = %+v", s, p)
		}
	})
}

func TestDescribe(t *testing.T) {
	doc, err := Render(Config{Resources: []string{"secrets", "configmaps"}, IdentityFallback: true,
		KMS: []KMSProvider{{Name: "kms-b", Endpoint: "unix:///b.sock", Timeout: "3s"}, {Name: "kms-a", Endpoint: "unix:///a.sock", Timeout: "3s"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ doc, want string }{
		{string(doc), `secrets, configmaps: kms v2 "kms-b", kms v2 "kms-a", identity`},
		{`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox: {keys: [{name: k, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]}
      - aesgcm: {keys: [{name: k, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]}
  - resources: ["*.*"]
    providers:
      - identity: {}
`, `secrets: secretbox, aesgcm; *.*: identity`},
	} {
		got, err := Describe([]byte(tc.doc))
		if err != nil || got != tc.want {
			t.Errorf("Describe = %q, %v; want %q", got, err, tc.want)
		}
	}
	if _, err := Describe([]byte("kind: ConfigMap\napiVersion: v1\n")); err == nil {
		t.Error("Describe of a ConfigMap: want an error")
	}
}
