// Command terraform-provider-kubeharden serves the kubeharden Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/provider"
)

// version is set at build time by GoReleaser and the GNUmakefile:
// -ldflags "-X main.version=1.2.3".
var version = "dev"

//go:generate go run -modfile=tools/go.mod github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-name kubeharden

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	if !debug {
		quietLogsTerraformDiscards(os.Environ(), os.Setenv)
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/kubeharden/kubeharden",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietLogsTerraformDiscards switches the provider's and the SDK's logs off
// when no TF_LOG* variable is set. The SDK logs every request at TRACE to
// stderr whatever the level, and Terraform parses each line only to drop it
// unless TF_LOG or TF_LOG_PROVIDER asks for provider logs: at 1000 resources
// that is about 60 MB of JSON per plan, and a third of its wall time. With
// any TF_LOG* variable set, nothing changes.
func quietLogsTerraformDiscards(environ []string, setenv func(key, value string) error) {
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_LOG") && v != "" {
			return
		}
	}
	_ = setenv("TF_LOG_SDK", "OFF")
	_ = setenv("TF_LOG_PROVIDER", "OFF")
}
