package acctest

import (
	"bufio"
	"context"
	"strconv"
	"strings"
)

// RequestCounts reads kube-apiserver's apiserver_request_total metric and
// returns the number of requests so far by "VERB resource" (e.g.
// "LIST namespaces", "APPLY namespaces"), summed over codes and scopes.
// Dry-run requests are counted under "VERB resource dryrun".
func (cp *ControlPlane) RequestCounts(ctx context.Context) (map[string]float64, error) {
	body, err := cp.Clientset.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	return ParseRequestCounts(string(body)), nil
}

// ParseRequestCounts reads apiserver_request_total from Prometheus text.
func ParseRequestCounts(text string) map[string]float64 {
	out := map[string]float64{}
	s := bufio.NewScanner(strings.NewReader(text))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		end := strings.LastIndex(line, "}")
		if end < 0 {
			continue
		}
		labels := parseLabels(line[len("apiserver_request_total{"):end])
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			continue
		}
		key := labels["verb"] + " " + labels["resource"]
		if labels["subresource"] != "" {
			key += "/" + labels["subresource"]
		}
		if labels["dry_run"] != "" {
			key += " dryrun"
		}
		out[key] += v
	}
	return out
}

func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		eq := strings.Index(s, `="`)
		if eq < 0 {
			break
		}
		name := strings.TrimLeft(s[:eq], ", ")
		rest := s[eq+2:]
		end := strings.Index(rest, `"`)
		for end > 0 && rest[end-1] == '\\' {
			next := strings.Index(rest[end+1:], `"`)
			if next < 0 {
				end = -1
				break
			}
			end += next + 1
		}
		if end < 0 {
			break
		}
		out[name] = rest[:end]
		s = rest[end+1:]
	}
	return out
}

// Delta returns after minus before for every key that changed.
func Delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
