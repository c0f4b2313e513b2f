package containerruntime

import (
	"fmt"
	"slices"
)

// Facts is what one node, node group or node pool tells about the upgrade
// questions of today. A nil field means its API cannot tell: a guess must
// never let a readiness check pass.
type Facts struct {
	// Kind names what this is in a blocker line: "node", "node group",
	// "node pool".
	Kind string
	Name string
	// Containerd2 is true when it runs containerd 2 or later.
	Containerd2 *bool
	// CgroupV2 is true when it runs cgroup v2.
	CgroupV2 *bool
	// NoCgroups says that cgroups do not apply (Windows nodes): the unit
	// is left out of the cgroup_v2 check instead of making it unknown.
	NoCgroups bool
	// SupportedImage is false when its image is past its end of support.
	SupportedImage *bool
	// Blockers says why each failing check fails, one short reason each,
	// without the kind and name (Summarize adds them), e.g.
	// "AL2_x86_64 AMIs reached end of support on 2025-11-26".
	Blockers []string
}

// Readiness is the summary of the facts of every unit of a cluster.
type Readiness struct {
	Containerd2     *bool
	CgroupV2        *bool
	SupportedImages *bool
	// Blockers is one line per failing check: "<kind> <name>: <reason>".
	Blockers []string
}

// Summarize folds the facts of every unit into one Readiness. A check is
// false when any unit fails it (a certain answer), else null when any unit
// cannot tell or there are no units, else true. Blockers keep the order of
// units; extra lines (about the cluster itself) come first.
func Summarize(units []Facts, extra ...string) Readiness {
	r := Readiness{Blockers: append([]string{}, extra...)}
	r.Containerd2 = fold(units, func(f Facts) *bool { return f.Containerd2 })
	r.CgroupV2 = fold(slices.DeleteFunc(slices.Clone(units), func(f Facts) bool { return f.NoCgroups }),
		func(f Facts) *bool { return f.CgroupV2 })
	r.SupportedImages = fold(units, func(f Facts) *bool { return f.SupportedImage })
	for _, u := range units {
		for _, b := range u.Blockers {
			r.Blockers = append(r.Blockers, fmt.Sprintf("%s %s: %s", u.Kind, u.Name, b))
		}
	}
	return r
}

func fold(units []Facts, get func(Facts) *bool) *bool {
	if len(units) == 0 {
		return nil
	}
	unknown := false
	for _, u := range units {
		v := get(u)
		switch {
		case v == nil:
			unknown = true
		case !*v:
			f := false
			return &f
		}
	}
	if unknown {
		return nil
	}
	t := true
	return &t
}

// Bool returns a pointer to v, for the tables that fill Facts.
func Bool(v bool) *bool { return &v }
