// Command terraform-provider-kubeharden serves the kubeharden Terraform provider.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/provider"
)

// version is set at build time by GoReleaser and the GNUmakefile:
// -ldflags "-X main.version=1.2.3".
var version = "dev"

//go:generate go run -modfile=tools/go.mod github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-name kubeharden

func main() {
	var debugFlag bool
	flag.BoolVar(&debugFlag, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	if !debugFlag {
		quietLogsTerraformDiscards(os.Environ(), os.Setenv)
	}
	// The garbage collector keeps Go's defaults (GOGC and GOMEMLIMIT still
	// apply): no setting measured better on both CPU and peak RSS (see the
	// design decisions guide).
	stopProfiles := startProfiles(os.Getenv(profileEnv))
	var opts []tf6server.ServeOpt
	if debugFlag {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// What providerserver.Serve does, with the server that lets go of each
	// call's context (see provider.NewProtocol6Server).
	err := tf6server.Serve("registry.terraform.io/kubeharden/kubeharden", provider.NewProtocol6Server(version), opts...)
	stopProfiles()
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

// profileEnv, set to a path prefix, makes the provider write a CPU profile
// to PREFIX.PID.cpu and a heap profile to PREFIX.PID.heap when Terraform
// stops it: for `make bench` and for anyone measuring a slow plan. Each
// Terraform command starts its own provider processes, hence the PID.
const profileEnv = "KUBEHARDEN_PROFILE"

// startProfiles starts the CPU profile when prefix is set and returns what
// stops it and writes the heap profile (a no-op when prefix is empty).
func startProfiles(prefix string) (stop func()) {
	if prefix == "" {
		return func() {}
	}
	base := prefix + "." + strconv.Itoa(os.Getpid())
	cpu, err := os.Create(base + ".cpu")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		_ = cpu.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = cpu.Close()
		heap, err := os.Create(base + ".heap")
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
			return
		}
		defer heap.Close()
		// The heap profile also records every allocation since the start
		// (alloc_space); inuse_space is what was live at the last GC.
		runtime.GC()
		if err := pprof.Lookup("heap").WriteTo(heap, 0); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		}
	}
}
