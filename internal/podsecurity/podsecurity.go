// Package podsecurity owns Pod Security Admission knowledge that is not the
// Kubernetes client's: the levels, modes and label keys, version parsing
// with the API server's own rules, reading the PodSecurity warnings of a
// dry-run apply, and evaluating pods offline with the API server's evaluator.
package podsecurity

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Levels are the Pod Security Standards levels, most permissive first.
var Levels = []string{string(psaapi.LevelPrivileged), string(psaapi.LevelBaseline), string(psaapi.LevelRestricted)}

// Modes are the Pod Security Admission modes, in label order.
var Modes = []string{"enforce", "audit", "warn"}

var labels = map[string][2]string{
	"enforce": {psaapi.EnforceLevelLabel, psaapi.EnforceVersionLabel},
	"audit":   {psaapi.AuditLevelLabel, psaapi.AuditVersionLabel},
	"warn":    {psaapi.WarnLevelLabel, psaapi.WarnVersionLabel},
}

// LevelLabel returns the namespace label key of a mode's level.
func LevelLabel(mode string) string { return labels[mode][0] }

// VersionLabel returns the namespace label key of a mode's version.
func VersionLabel(mode string) string { return labels[mode][1] }

// AllLabels are the six label keys PSA reads, in a stable order.
func AllLabels() []string {
	out := make([]string, 0, 2*len(Modes))
	for _, m := range Modes {
		out = append(out, LevelLabel(m), VersionLabel(m))
	}
	return out
}

// ReplacedLabels lists the live PSA labels that applying planned (all six
// keys owned: a key not planned is removed) would change or remove, one line
// each in label order, as "key: live -> planned" or "key: live -> (removed)",
// with ", less strict" where a level becomes more permissive (a removed
// level counts as none at all). weaker reports whether any level does.
func ReplacedLabels(live, planned map[string]string) (lines []string, weaker bool) {
	levelKeys := map[string]bool{}
	for _, m := range Modes {
		levelKeys[LevelLabel(m)] = true
	}
	for _, k := range AllLabels() {
		lv, ok := live[k]
		pv, set := planned[k]
		if !ok || (set && pv == lv) {
			continue
		}
		to := pv
		if !set {
			to = "(removed)"
		}
		line := fmt.Sprintf("%s: %s -> %s", k, lv, to)
		if levelKeys[k] && slices.Index(Levels, pv) < slices.Index(Levels, lv) {
			line += ", less strict"
			weaker = true
		}
		lines = append(lines, line)
	}
	return lines, weaker
}

// ValidateLevel checks a level as the API server does.
func ValidateLevel(s string) error {
	if _, err := psaapi.ParseLevel(s); err != nil {
		return fmt.Errorf("%q is not a Pod Security level: it must be one of %s", s, quoteJoin(Levels))
	}
	return nil
}

// ValidateVersion checks a policy version as the API server does ("latest"
// or "v1.N" with no leading zero).
func ValidateVersion(s string) error {
	if _, err := psaapi.ParseVersion(s); err != nil {
		return fmt.Errorf("%q is not a Pod Security version: it must be \"latest\" or \"v1.N\" with no leading zero, e.g. \"v1.36\"", s)
	}
	return nil
}

// VersionMinor returns N of "v1.N", or -1 for "latest" or an invalid version.
func VersionMinor(s string) int {
	v, err := psaapi.ParseVersion(s)
	if err != nil || v.Latest() {
		return -1
	}
	return v.Minor()
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// PodViolation is one pod, or a group of pods with identical reasons, that
// breaks a level.
type PodViolation struct {
	Pod string
	// OtherPods is how many more pods share these reasons (the API server
	// groups them; offline evaluation lists every pod, so it is 0 there).
	OtherPods int
	Reasons   []string
}

// Preview is what the API server said about a new enforce level during a
// dry-run apply of a namespace's labels.
type Preview struct {
	// Header is the "existing pods in namespace ... violate ..." line.
	Header     string
	Violations []PodViolation
	// Partial is the "only checked against the first N of M" line.
	Partial string
	// Exempt is the "namespace ... is exempt from Pod Security" line.
	Exempt string
	// Other holds warnings of another kind, kept so none is dropped.
	Other []string
}

// Empty reports whether the preview says nothing.
func (p Preview) Empty() bool {
	return p.Header == "" && len(p.Violations) == 0 && p.Partial == "" && p.Exempt == "" && len(p.Other) == 0
}

// ParseWarnings sorts the warnings of a dry-run namespace apply into a
// Preview. It knows the messages kube-apiserver's PodSecurity admission
// writes (k8s.io/pod-security-admission/admission); a line it does not know
// is kept in Other.
func ParseWarnings(warnings []string) Preview {
	var p Preview
	for _, w := range warnings {
		switch {
		case strings.HasPrefix(w, "existing pods in namespace "):
			p.Header = w
		case strings.HasPrefix(w, "new PodSecurity enforce level only checked against the first "):
			p.Partial = w
		case strings.HasPrefix(w, "namespace ") && strings.Contains(w, " is exempt from Pod Security"):
			p.Exempt = w
		default:
			if v, ok := parsePodLine(w); ok && p.Header != "" {
				p.Violations = append(p.Violations, v)
			} else {
				p.Other = append(p.Other, w)
			}
		}
	}
	return p
}

// parsePodLine reads "web-1: host namespaces, privileged" and
// "web-1 (and 3 other pods): ...".
func parsePodLine(w string) (PodViolation, bool) {
	head, reasons, ok := strings.Cut(w, ": ")
	if !ok || head == "" || reasons == "" {
		return PodViolation{}, false
	}
	v := PodViolation{Pod: head}
	if name, rest, grouped := strings.Cut(head, " (and "); grouped {
		var n int
		if _, err := fmt.Sscanf(rest, "%d other pod", &n); err != nil || n < 1 {
			return PodViolation{}, false
		}
		v.Pod, v.OtherPods = name, n
	}
	if strings.ContainsAny(v.Pod, " \t") {
		return PodViolation{}, false
	}
	v.Reasons = splitReasons(reasons)
	return v, true
}

// splitReasons splits "a, b (x, y), c" on the commas outside parentheses.
func splitReasons(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// Evaluator evaluates pods against a level offline, with the evaluator
// kube-apiserver's PodSecurity admission uses.
type Evaluator struct {
	e policy.Evaluator
}

// NewEvaluator returns an Evaluator with the default checks.
func NewEvaluator() (*Evaluator, error) {
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, err
	}
	return &Evaluator{e: e}, nil
}

// Evaluate returns the pods that break level at version, sorted by name,
// each with the reasons the API server would give.
func (ev *Evaluator) Evaluate(pods []corev1.Pod, level, version string) ([]PodViolation, error) {
	l, err := psaapi.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("level: %w", err)
	}
	v, err := psaapi.ParseVersion(version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	lv := psaapi.LevelVersion{Level: l, Version: v}
	var out []PodViolation
	for i := range pods {
		r := policy.AggregateCheckResults(ev.e.EvaluatePod(lv, &pods[i].ObjectMeta, &pods[i].Spec))
		if !r.Allowed {
			out = append(out, PodViolation{Pod: pods[i].Name, Reasons: slices.Clone(r.ForbiddenReasons)})
		}
	}
	slices.SortFunc(out, func(a, b PodViolation) int { return strings.Compare(a.Pod, b.Pod) })
	return out, nil
}

// Describe renders a preview as the detail of one diagnostic: every pod with
// its reasons, then what was not checked and what to do.
func (p Preview) Describe(namespace, levelVersion string) string {
	var b strings.Builder
	if len(p.Violations) > 0 {
		fmt.Fprintf(&b, "Existing pods in namespace %q violate the new PodSecurity enforce level %q. "+
			"They keep running, but the API server will reject them (and their replacements) when they are created again:\n\n", namespace, levelVersion)
		for _, v := range p.Violations {
			who := v.Pod
			switch {
			case v.OtherPods == 1:
				who += " (and 1 other pod)"
			case v.OtherPods > 1:
				who += fmt.Sprintf(" (and %d other pods)", v.OtherPods)
			}
			fmt.Fprintf(&b, "  - %s: %s\n", who, strings.Join(v.Reasons, ", "))
		}
	}
	if p.Partial != "" {
		fmt.Fprintf(&b, "\nThe API server stopped early: %s.\n", p.Partial)
	}
	if p.Exempt != "" {
		fmt.Fprintf(&b, "\nThe API server says: %s.\n", p.Exempt)
	}
	for _, o := range p.Other {
		fmt.Fprintf(&b, "\nThe API server also warned: %s\n", o)
	}
	if len(p.Violations) > 0 {
		b.WriteString("\nFix these pods first (the kubeharden_pod_security_violations data source lists them with the same reasons), " +
			"keep enforce at a lower level while audit and warn report them, or set on_violation = \"ignore\" to enforce anyway.")
	}
	return strings.TrimSpace(b.String())
}
