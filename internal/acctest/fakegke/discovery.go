// Package fakegke is an in-memory Kubernetes Engine API (container/v1) for
// tests: clusters with their node pools, updates that run as operations, and
// Google's error format. It holds itself to the API's discovery document, as
// shipped in the google.golang.org/api module: every request it receives and
// every response it sends is checked against the schemas there, and a
// mismatch is a test failure.
package fakegke

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const apiModule = "google.golang.org/api"

// discoveryFile is the document's path inside the module.
const discoveryFile = "container/v1/container-api.json"

// Schema is a JSON schema of the discovery format, or a method parameter.
type Schema struct {
	ID                   string             `json:"id"`
	Type                 string             `json:"type"`
	Ref                  string             `json:"$ref"`
	Format               string             `json:"format"`
	Enum                 []string           `json:"enum"`
	Properties           map[string]*Schema `json:"properties"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Items                *Schema            `json:"items"`
	ReadOnly             bool               `json:"readOnly"`
	// Parameters only.
	Location string `json:"location"`
	Pattern  string `json:"pattern"`
	Repeated bool   `json:"repeated"`
	Required bool   `json:"required"`
}

// Method is one method of the discovery document.
type Method struct {
	ID         string             `json:"id"`
	HTTPMethod string             `json:"httpMethod"`
	Path       string             `json:"path"`
	Parameters map[string]*Schema `json:"parameters"`
	Request    *Schema            `json:"request"`
	Response   *Schema            `json:"response"`

	pathRE     *regexp.Regexp
	pathParams []string
}

type resource struct {
	Methods   map[string]*Method   `json:"methods"`
	Resources map[string]*resource `json:"resources"`
}

// Discovery is the container/v1 discovery document.
type Discovery struct {
	Revision    string               `json:"revision"`
	ServicePath string               `json:"servicePath"`
	Schemas     map[string]*Schema   `json:"schemas"`
	Parameters  map[string]*Schema   `json:"parameters"`
	Resources   map[string]*resource `json:"resources"`
	Path        string               `json:"-"` // where it was read from

	methods map[string]*Method
}

var (
	loadOnce sync.Once
	loaded   *Discovery
	loadErr  error
)

// LoadDiscovery reads the discovery document from the google.golang.org/api
// module the tests are built with (Go cannot embed a file of another
// module), once per process.
func LoadDiscovery() (*Discovery, error) {
	loadOnce.Do(func() {
		var p string
		p, loadErr = discoveryPath()
		if loadErr != nil {
			return
		}
		var b []byte
		b, loadErr = os.ReadFile(p)
		if loadErr != nil {
			return
		}
		loaded, loadErr = ParseDiscovery(b)
		if loaded != nil {
			loaded.Path = p
		}
	})
	return loaded, loadErr
}

// discoveryPath finds the module's directory: `go list -m` resolves it the
// way the build did; when the go command is not usable, the version in the
// binary's build info and the module cache give it.
func discoveryPath() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", apiModule).Output()
	if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
		return filepath.Join(dir, discoveryFile), nil
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("locating %s: `go list -m %s` failed (%w) and the binary has no build info", discoveryFile, apiModule, err)
	}
	version := ""
	for _, m := range bi.Deps {
		if m.Path == apiModule {
			version = m.Version
			if m.Replace != nil {
				version = m.Replace.Version
			}
		}
	}
	if version == "" {
		return "", fmt.Errorf("locating %s: `go list -m %s` failed (%w) and the binary does not depend on %s", discoveryFile, apiModule, err, apiModule)
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, herr := os.UserHomeDir()
			if herr != nil {
				return "", fmt.Errorf("locating the module cache: %w", herr)
			}
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
	}
	return filepath.Join(cache, apiModule+"@"+version, discoveryFile), nil
}

// ParseDiscovery parses a discovery document and prepares its methods.
func ParseDiscovery(b []byte) (*Discovery, error) {
	d := &Discovery{}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("parsing the discovery document: %w", err)
	}
	if len(d.Schemas) == 0 {
		return nil, errors.New("the discovery document has no schemas")
	}
	d.methods = map[string]*Method{}
	var walk func(map[string]*resource) error
	walk = func(rs map[string]*resource) error {
		for _, r := range rs {
			for _, m := range r.Methods {
				if err := m.compile(); err != nil {
					return err
				}
				d.methods[m.ID] = m
			}
			if err := walk(r.Resources); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Resources); err != nil {
		return nil, err
	}
	return d, nil
}

var templateRE = regexp.MustCompile(`\{(\+?)([A-Za-z0-9_]+)\}`)

// compile turns a path template such as "v1/{+name}" into a regexp, each
// variable restricted by its parameter's pattern.
func (m *Method) compile() error {
	var b strings.Builder
	b.WriteString("^/")
	last := 0
	for _, loc := range templateRE.FindAllStringSubmatchIndex(m.Path, -1) {
		b.WriteString(regexp.QuoteMeta(m.Path[last:loc[0]]))
		reserved := loc[3] > loc[2]
		name := m.Path[loc[4]:loc[5]]
		pat := `[^/]+`
		if reserved {
			pat = `.+`
		}
		if p := m.Parameters[name]; p != nil && p.Pattern != "" {
			pat = strings.TrimSuffix(strings.TrimPrefix(p.Pattern, "^"), "$")
		}
		b.WriteString("(" + pat + ")")
		m.pathParams = append(m.pathParams, name)
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(m.Path[last:]) + "$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return fmt.Errorf("method %s: path %q: %w", m.ID, m.Path, err)
	}
	m.pathRE = re
	return nil
}

// Method returns the method with this ID, e.g. "container.projects.locations.clusters.get".
func (d *Discovery) Method(id string) *Method { return d.methods[id] }

// Match says whether an HTTP request is a call of m, and returns its path
// parameters.
func (m *Method) Match(httpMethod, path string) (map[string]string, bool) {
	if httpMethod != m.HTTPMethod {
		return nil, false
	}
	sub := m.pathRE.FindStringSubmatch(path)
	if sub == nil {
		return nil, false
	}
	params := map[string]string{}
	for i, name := range m.pathParams {
		params[name] = sub[i+1]
	}
	return params, true
}

// Direction says which way a body travels: requests may not carry output-only
// fields.
type Direction int

const (
	// Request is a body the client sends.
	Request Direction = iota
	// Response is a body the server sends.
	Response
)

// CheckQuery checks a request's query parameters against the method's and
// the API's global parameters.
func (d *Discovery) CheckQuery(m *Method, query map[string][]string) []string {
	var out []string
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := m.Parameters[k]
		if p == nil || p.Location != "query" {
			p = d.Parameters[k]
		}
		if p == nil {
			out = append(out, fmt.Sprintf("query parameter %q is not a parameter of %s", k, m.ID))
			continue
		}
		if len(query[k]) > 1 && !p.Repeated {
			out = append(out, fmt.Sprintf("query parameter %q is repeated", k))
		}
		for _, v := range query[k] {
			var errs []string
			d.checkScalarString(&errs, "query "+k, p, v)
			out = append(out, errs...)
		}
	}
	return out
}

// checkScalarString checks a parameter value, which travels as text.
func (d *Discovery) checkScalarString(errs *[]string, at string, s *Schema, v string) {
	switch s.Type {
	case "boolean":
		if v != "true" && v != "false" {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not a boolean", at, v))
		}
	case "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not an integer", at, v))
		}
	default:
		d.checkString(errs, at, s, v)
	}
}

// Check validates a JSON body against the schema named ref and returns one
// message per problem: unknown fields, wrong types, values outside an enum,
// malformed int64/datetime/duration/byte strings, nulls, and, in requests,
// output-only fields.
func (d *Discovery) Check(ref string, body []byte, dir Direction) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%s: the body is not JSON: %v", ref, err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return []string{fmt.Sprintf("%s: trailing data after the JSON value", ref)}
	}
	var errs []string
	d.check(&errs, ref, &Schema{Ref: ref}, v, dir, 0)
	return errs
}

func (d *Discovery) check(errs *[]string, at string, s *Schema, v any, dir Direction, depth int) {
	if depth > 64 {
		*errs = append(*errs, at+": nested too deeply")
		return
	}
	if s.Ref != "" {
		target := d.Schemas[s.Ref]
		if target == nil {
			*errs = append(*errs, fmt.Sprintf("%s: the discovery document has no schema %q", at, s.Ref))
			return
		}
		s = target
	}
	if v == nil {
		*errs = append(*errs, at+": null is not a value of type "+s.Type)
		return
	}
	switch s.Type {
	case "any":
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not an object", at, describe(v)))
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := s.Properties[k]
			if p == nil {
				if s.AdditionalProperties != nil {
					d.check(errs, at+"["+strconv.Quote(k)+"]", s.AdditionalProperties, obj[k], dir, depth+1)
					continue
				}
				name := s.ID
				if name == "" {
					name = "this object"
				}
				*errs = append(*errs, fmt.Sprintf("%s: unknown field %q (not a property of %s)", at, k, name))
				continue
			}
			if dir == Request && p.ReadOnly {
				*errs = append(*errs, fmt.Sprintf("%s.%s: output-only field sent in a request", at, k))
			}
			d.check(errs, at+"."+k, p, obj[k], dir, depth+1)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not an array", at, describe(v)))
			return
		}
		if s.Items == nil {
			*errs = append(*errs, at+": the schema's array has no items")
			return
		}
		for i, item := range arr {
			d.check(errs, fmt.Sprintf("%s[%d]", at, i), s.Items, item, dir, depth+1)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not a string", at, describe(v)))
			return
		}
		d.checkString(errs, at, s, str)
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not an integer", at, describe(v)))
			return
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		switch {
		case err != nil:
			*errs = append(*errs, fmt.Sprintf("%s: %s is not an integer", at, n))
		case s.Format == "int32" && (i < math.MinInt32 || i > math.MaxInt32):
			*errs = append(*errs, fmt.Sprintf("%s: %s is out of the int32 range", at, n))
		case s.Format == "uint32" && (i < 0 || i > math.MaxUint32):
			*errs = append(*errs, fmt.Sprintf("%s: %s is out of the uint32 range", at, n))
		}
	case "number":
		switch x := v.(type) {
		case json.Number:
			if _, err := x.Float64(); err != nil {
				*errs = append(*errs, fmt.Sprintf("%s: %s is not a number", at, x))
			}
		case string:
			// Proto3 JSON writes non-finite numbers as strings.
			if x != "NaN" && x != "Infinity" && x != "-Infinity" {
				*errs = append(*errs, fmt.Sprintf("%s: %q is not a number", at, x))
			}
		default:
			*errs = append(*errs, fmt.Sprintf("%s: %s is not a number", at, describe(v)))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %s is not a boolean", at, describe(v)))
		}
	default:
		*errs = append(*errs, fmt.Sprintf("%s: the schema has unsupported type %q", at, s.Type))
	}
}

var durationRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,9})?s$`)

func (d *Discovery) checkString(errs *[]string, at string, s *Schema, v string) {
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		*errs = append(*errs, fmt.Sprintf("%s: %q is not one of %s", at, v, strings.Join(s.Enum, ", ")))
	}
	switch s.Format {
	case "int64":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not an int64 in a string", at, v))
		}
	case "uint64":
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not a uint64 in a string", at, v))
		}
	case "google-datetime", "date-time":
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not an RFC 3339 timestamp", at, v))
		}
	case "google-duration":
		if !durationRE.MatchString(v) {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not a duration such as \"3.5s\"", at, v))
		}
	case "byte":
		if _, err := base64.StdEncoding.DecodeString(v); err != nil {
			if _, err := base64.URLEncoding.DecodeString(v); err != nil {
				*errs = append(*errs, fmt.Sprintf("%s: %q is not base64", at, v))
			}
		}
	}
	if s.Pattern != "" {
		if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(v) {
			*errs = append(*errs, fmt.Sprintf("%s: %q does not match %s", at, v, s.Pattern))
		}
	}
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%v", x)
	}
}
