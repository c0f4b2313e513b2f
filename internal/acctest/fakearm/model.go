package fakearm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

// checkModel decodes body as a ManagedCluster and encodes it again: any key
// of body that does not come back is a field the SDK's model does not know
// (its UnmarshalJSON drops unknown fields silently, hence the explicit
// comparison of key paths). Null values are skipped: the model cannot
// carry them either way.
func checkModel(body []byte) (*armcontainerservice.ManagedCluster, error) {
	var orig any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&orig); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, ok := orig.(map[string]any); !ok {
		return nil, fmt.Errorf("the body is not a JSON object")
	}
	var mc armcontainerservice.ManagedCluster
	if err := json.Unmarshal(body, &mc); err != nil {
		return nil, fmt.Errorf("decoding into armcontainerservice.ManagedCluster: %w", err)
	}
	again, err := json.Marshal(&mc)
	if err != nil {
		return nil, fmt.Errorf("encoding armcontainerservice.ManagedCluster: %w", err)
	}
	var back any
	if err := json.Unmarshal(again, &back); err != nil {
		return nil, err
	}
	want, got := map[string]bool{}, map[string]bool{}
	keyPaths("", orig, want)
	keyPaths("", back, got)
	var unknown []string
	for p := range want {
		if !got[p] {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("fields that armcontainerservice.ManagedCluster does not know: %s", strings.Join(unknown, ", "))
	}
	return &mc, nil
}

// keyPaths adds the path of every non-null key under v, e.g.
// "properties.agentPoolProfiles[].name".
func keyPaths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			keyPaths(p, e, out)
		}
	case []any:
		for _, e := range x {
			keyPaths(prefix+"[]", e, out)
		}
	}
}

// clone deep-copies a cluster through its JSON form, as the wire would.
func clone(mc *armcontainerservice.ManagedCluster) *armcontainerservice.ManagedCluster {
	if mc == nil {
		return nil
	}
	b, err := json.Marshal(mc)
	if err != nil {
		panic(fmt.Sprintf("fake ARM: encoding a managed cluster: %v", err))
	}
	out := new(armcontainerservice.ManagedCluster)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("fake ARM: decoding a managed cluster: %v", err))
	}
	return out
}
