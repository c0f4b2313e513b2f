// Command localenv runs the local test environment for `make demo` and
// `make bench`: a control plane (and the emulators the demo needs), until it
// is interrupted. It writes a shell file of environment variables that point
// at everything it started, then a ready marker.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

func main() {
	dir := flag.String("dir", "", "folder for the environment's files (required); env.sh and ready are written there")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "localenv: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "localenv:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	cp, err := acctest.StartControlPlane(ctx, acctest.Options{Dir: filepath.Join(dir, "controlplane")})
	if err != nil {
		return err
	}
	defer cp.Stop()

	env := map[string]string{
		"KUBECONFIG":         cp.KubeconfigPath,
		"KUBE_CONFIG_PATH":   cp.KubeconfigPath,
		"KUBEHARDEN_CP_HOST": cp.Host,
		"KUBEHARDEN_CP_PID":  fmt.Sprint(os.Getpid()),
	}
	var b strings.Builder
	for k, v := range env {
		fmt.Fprintf(&b, "export %s=%q\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(dir, "env.sh"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "localenv: stopping")
	return nil
}
