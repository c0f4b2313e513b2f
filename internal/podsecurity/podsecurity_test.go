package podsecurity

import (
	"reflect"
	"slices"
	"testing"
)

// The warnings below are the exact messages of
// k8s.io/pod-security-admission/admission.EvaluatePodsInNamespace.
func TestParseWarnings(t *testing.T) {
	p := ParseWarnings([]string{
		`new PodSecurity enforce level only checked against the first 2 of 5 existing pods`,
		`existing pods in namespace "team-a" violate the new PodSecurity enforce level "restricted:latest"`,
		`db-0 (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities`,
		`web-1: host namespaces, runAsNonRoot != true`,
		`web-2 (and 1 other pod): hostPath volumes`,
		`something else entirely`,
	})
	want := Preview{
		Header: `existing pods in namespace "team-a" violate the new PodSecurity enforce level "restricted:latest"`,
		Violations: []PodViolation{
			{Pod: "db-0", OtherPods: 3, Reasons: []string{"allowPrivilegeEscalation != false", "unrestricted capabilities"}},
			{Pod: "web-1", Reasons: []string{"host namespaces", "runAsNonRoot != true"}},
			{Pod: "web-2", OtherPods: 1, Reasons: []string{"hostPath volumes"}},
		},
		Partial: `new PodSecurity enforce level only checked against the first 2 of 5 existing pods`,
		Other:   []string{"something else entirely"},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %#v\nwant %#v", p, want)
	}
	exempt := ParseWarnings([]string{`namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored`})
	if exempt.Exempt == "" || len(exempt.Violations) != 0 {
		t.Fatalf("exempt message not recognized: %#v", exempt)
	}
	if !ParseWarnings(nil).Empty() {
		t.Fatal("no warnings must give an empty preview")
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []string{"privileged", "baseline", "restricted"} {
		if err := ValidateLevel(ok); err != nil {
			t.Errorf("ValidateLevel(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Restricted", "strict", " baseline"} {
		if err := ValidateLevel(bad); err == nil {
			t.Errorf("ValidateLevel(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"latest", "v1.0", "v1.25", "v1.36", "v1.99"} {
		if err := ValidateVersion(ok); err != nil {
			t.Errorf("ValidateVersion(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1.25", "v1.025", "v2.0", "v1", "v1.x", "Latest", "v1.25.0"} {
		if err := ValidateVersion(bad); err == nil {
			t.Errorf("ValidateVersion(%q) accepted", bad)
		}
	}
	if VersionMinor("v1.36") != 36 || VersionMinor("latest") != -1 || VersionMinor("bad") != -1 {
		t.Fatal("VersionMinor")
	}
}

func FuzzValidateVersion(f *testing.F) {
	for _, s := range []string{"latest", "v1.0", "v1.25", "v1.025", "v2.1", "", "v1.", "v1.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateVersion(s)
		m := VersionMinor(s)
		if err != nil && m != -1 {
			t.Fatalf("%q is invalid but has minor %d", s, m)
		}
		if err == nil && s != "latest" && m < 0 {
			t.Fatalf("%q is valid but has no minor", s)
		}
	})
}

func FuzzParseWarnings(f *testing.F) {
	for _, s := range []string{
		`existing pods in namespace "x" violate the new PodSecurity enforce level "restricted:latest"`,
		`web-1 (and 3 other pods): host namespaces, privileged`,
		`a: b (c, d), e`, `: :`, `x (and y other pods): z`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseWarnings([]string{`existing pods in namespace "x" violate the new PodSecurity enforce level "baseline:latest"`, s})
		n := len(p.Violations) + len(p.Other)
		if p.Partial != "" || p.Exempt != "" || (p.Header != "" && s != p.Header && n != 1) {
			// every line lands in exactly one place
			if p.Partial != s && p.Exempt != s && n != 1 && p.Header != s {
				t.Fatalf("line %q was dropped or duplicated: %#v", s, p)
			}
		}
		for _, v := range p.Violations {
			if v.Pod == "" || len(v.Reasons) == 0 || v.OtherPods < 0 {
				t.Fatalf("bad violation %#v from %q", v, s)
			}
		}
	})
}

func TestReplacedLabels(t *testing.T) {
	live := map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.30",
		"pod-security.kubernetes.io/audit": "baseline",
		"pod-security.kubernetes.io/warn":  "baseline",
		"team":                             "a",
	}
	planned := map[string]string{
		"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
		"pod-security.kubernetes.io/warn": "baseline", "pod-security.kubernetes.io/warn-version": "latest",
	}
	got, weaker := ReplacedLabels(live, planned)
	want := []string{
		"pod-security.kubernetes.io/enforce: restricted -> (removed), less strict",
		"pod-security.kubernetes.io/enforce-version: v1.30 -> (removed)",
		"pod-security.kubernetes.io/audit: baseline -> restricted",
	}
	if !slices.Equal(got, want) || !weaker {
		t.Errorf("ReplacedLabels = %q, %v; want %q, true", got, weaker, want)
	}
	if got, weaker := ReplacedLabels(map[string]string{"pod-security.kubernetes.io/warn": "privileged"}, planned); len(got) != 1 || weaker {
		t.Errorf("a stricter level: %q, %v; want one line, not weaker", got, weaker)
	}
	if got, _ := ReplacedLabels(map[string]string{"team": "a"}, planned); len(got) != 0 {
		t.Errorf("no live PSA labels: %q, want none", got)
	}
}
