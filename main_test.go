package main

import (
	"maps"
	"testing"
)

func TestQuietLogsTerraformDiscards(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_PROVIDER": "OFF"}
	cases := []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{"no logging asked", []string{"HOME=/root", "TF_IN_AUTOMATION=1"}, off},
		{"empty TF_LOG", []string{"TF_LOG="}, off},
		{"TF_LOG", []string{"TF_LOG=debug"}, map[string]string{}},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=trace"}, map[string]string{}},
		{"subsystem", []string{"TF_LOG_SDK_FRAMEWORK=debug"}, map[string]string{}},
		{"path only", []string{"TF_LOG_PATH=/tmp/tf.log"}, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			quietLogsTerraformDiscards(tc.environ, func(k, v string) error { got[k] = v; return nil })
			if !maps.Equal(got, tc.want) {
				t.Errorf("set %v, want %v", got, tc.want)
			}
		})
	}
}
