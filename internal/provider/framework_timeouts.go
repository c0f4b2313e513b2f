package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Timeout operations, as the `timeouts` block names them.
const (
	opCreate = "create"
	opRead   = "read"
	opUpdate = "update"
	opDelete = "delete"
)

// timeoutOps is the order in which operations are documented.
var timeoutOps = []string{opCreate, opRead, opUpdate, opDelete}

// timeoutDefaults is the one declaration of a resource's or data source's
// time limits: the default of each operation it offers (zero: not offered)
// and, optionally, a sentence on what an operation's limit covers. The
// `timeouts` block and its documentation, the context of every CRUD method
// and the bound of plan-time calls all come from it.
//
// Plan-time calls (existence checks, dry runs, discovery) are bounded by the
// limit of the operation being planned: `create` for a new resource,
// `update` for a change (`create` where the resource offers no update,
// since every change then replaces it).
type timeoutDefaults struct {
	Create, Read, Update, Delete time.Duration
	// PlanCalls is set when the resource calls an API at plan time; the
	// documentation of create and update then says that they bound it.
	PlanCalls bool
	// Notes says, per operation, what its limit covers beyond the default sentence.
	Notes map[string]string
}

// of returns the default of op; zero when op is not offered.
func (t timeoutDefaults) of(op string) time.Duration {
	switch op {
	case opCreate:
		return t.Create
	case opRead:
		return t.Read
	case opUpdate:
		return t.Update
	case opDelete:
		return t.Delete
	}
	return 0
}

// offered lists the operations that have a default, in documentation order.
func (t timeoutDefaults) offered() []string {
	var ops []string
	for _, op := range timeoutOps {
		if t.of(op) > 0 {
			ops = append(ops, op)
		}
	}
	return ops
}

// describe renders the documentation of op's limit, including its default.
func (t timeoutDefaults) describe(op string) string {
	d := t.of(op)
	if d == 0 {
		return ""
	}
	s := fmt.Sprintf("Time limit of %s, as a Go duration such as `30s` or `10m`. Default `%s`. "+
		"Transient API errors are retried until then; a call still running when it ends fails with an error naming the call.", op, durationText(d))
	if t.PlanCalls && op == opCreate {
		s += " It also bounds the plan-time checks of a new resource" + map[bool]string{true: ".", false: ", and of any change (every change replaces the resource)."}[t.Update > 0]
	}
	if t.PlanCalls && op == opUpdate {
		s += " It also bounds the plan-time checks of a change."
	}
	if n := t.Notes[op]; n != "" {
		s += " " + n
	}
	return s
}

// blockDescription summarises every operation's default.
func (t timeoutDefaults) blockDescription() string {
	parts := make([]string, 0, 4)
	for _, op := range t.offered() {
		parts = append(parts, fmt.Sprintf("`%s` (default `%s`)", op, durationText(t.of(op))))
	}
	return "Time limits of the operations: " + strings.Join(parts, ", ") + "."
}

// resourceBlock is the `timeouts` block of a resource.
func (t timeoutDefaults) resourceBlock(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{
		Create: t.Create > 0, Read: t.Read > 0, Update: t.Update > 0, Delete: t.Delete > 0,
		CreateDescription: t.describe(opCreate), ReadDescription: t.describe(opRead),
		UpdateDescription: t.describe(opUpdate), DeleteDescription: t.describe(opDelete),
	}).(schema.SingleNestedBlock)
	b.MarkdownDescription = t.blockDescription()
	return b
}

// dataSourceBlock is the `timeouts` block of a data source (read only).
func (t timeoutDefaults) dataSourceBlock(ctx context.Context) dsschema.Block {
	b := dstimeouts.BlockWithOpts(ctx, dstimeouts.Opts{ReadDescription: t.describe(opRead)}).(dsschema.SingleNestedBlock)
	b.MarkdownDescription = t.blockDescription()
	return b
}

// bound returns ctx limited by the configured (or default) limit of op,
// appending any diagnostic about a malformed value.
func (t timeoutDefaults) bound(ctx context.Context, v timeouts.Value, op string, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	def := t.of(op)
	if !timeoutSet(v.Object, op) {
		return context.WithTimeout(ctx, def)
	}
	var (
		d  time.Duration
		ds diag.Diagnostics
	)
	switch op {
	case opCreate:
		d, ds = v.Create(ctx, def)
	case opRead:
		d, ds = v.Read(ctx, def)
	case opUpdate:
		d, ds = v.Update(ctx, def)
	case opDelete:
		d, ds = v.Delete(ctx, def)
	default:
		panic("unknown timeout operation " + op)
	}
	diags.Append(ds...)
	if d <= 0 {
		d = def
	}
	return context.WithTimeout(ctx, d)
}

// planBound bounds the plan-time calls of a resource: by the limit of the
// operation being planned (see timeoutDefaults).
func (t timeoutDefaults) planBound(ctx context.Context, v timeouts.Value, creating bool, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	if creating || t.Update == 0 {
		return t.bound(ctx, v, opCreate, diags)
	}
	return t.bound(ctx, v, opUpdate, diags)
}

// readBound bounds a data source's read.
func (t timeoutDefaults) readBound(ctx context.Context, v dstimeouts.Value, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	if !timeoutSet(v.Object, opRead) {
		return context.WithTimeout(ctx, t.Read)
	}
	d, ds := v.Read(ctx, t.Read)
	diags.Append(ds...)
	if d <= 0 {
		d = t.Read
	}
	return context.WithTimeout(ctx, d)
}

// timeoutSet reports whether the `timeouts` block sets op's limit. When it
// does not, the default applies without asking the timeouts library, which
// logs a line at INFO on each such call: formatted even with the provider's
// logs off, it was 3% of the provider's CPU in a 1000-resource plan.
func timeoutSet(block types.Object, op string) bool {
	if block.IsNull() || block.IsUnknown() {
		return false
	}
	v, ok := block.Attributes()[op]
	return ok && !v.IsNull() && !v.IsUnknown()
}

// durationText prints d as a user would type it, and as time.ParseDuration
// reads it back: 2m, 1h, 1h30m, 1m30s.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// nullResourceValue is an unset `timeouts` block of a resource (an import
// has none), typed with the operations the resource offers.
func (t timeoutDefaults) nullResourceValue() timeouts.Value {
	ops := map[string]attr.Type{}
	for _, op := range t.offered() {
		ops[op] = types.StringType
	}
	return timeouts.Value{Object: types.ObjectNull(ops)}
}

// timed is a resource model that carries the `timeouts` block.
type timed interface{ timeoutsValue() timeouts.Value }

// begin is the prologue of a CRUD method: it reads the model from a plan
// or a state (get is req.Plan.Get or getState(req.State)) and bounds ctx by the
// limit of op. ok is false, with the diagnostics appended, when either
// step failed; cancel is always safe to call.
func begin[M timed](ctx context.Context, t timeoutDefaults, get func(context.Context, any) diag.Diagnostics, op string, diags *diag.Diagnostics) (m M, _ context.Context, cancel context.CancelFunc, ok bool) {
	diags.Append(get(ctx, &m)...)
	if diags.HasError() {
		return m, ctx, func() {}, false
	}
	ctx, cancel = t.bound(ctx, m.timeoutsValue(), op, diags)
	return m, ctx, cancel, !diags.HasError()
}

// readTimed is a data source model that carries the `timeouts` block.
type readTimed interface{ timeoutsValue() dstimeouts.Value }

// beginRead is the prologue of a data source's Read: it reads the
// configuration (get is getConfig(req.Config)) and bounds ctx by timeouts.read.
func beginRead[M readTimed](ctx context.Context, t timeoutDefaults, get func(context.Context, any) diag.Diagnostics, diags *diag.Diagnostics) (m M, _ context.Context, cancel context.CancelFunc, ok bool) {
	diags.Append(get(ctx, &m)...)
	if diags.HasError() {
		return m, ctx, func() {}, false
	}
	ctx, cancel = t.readBound(ctx, m.timeoutsValue(), diags)
	return m, ctx, cancel, !diags.HasError()
}
