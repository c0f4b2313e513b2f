//go:build !linux

package acctest

import (
	"errors"
	"net"
	"testing"
)

// NetNS is a Linux network namespace; elsewhere there is none.
type NetNS struct {
	Name         string
	HostIP, NSIP net.IP
}

// SharedNetNS skips the test: network namespaces need Linux.
func SharedNetNS(t testing.TB) *NetNS {
	t.Helper()
	t.Skip("this test makes a network namespace for fake kubelets behind the API server's node proxy, which needs Linux")
	return nil
}

// Listen fails: network namespaces need Linux.
func (ns *NetNS) Listen() (net.Listener, error) {
	return nil, errors.New("network namespaces need Linux")
}

// Close does nothing.
func (ns *NetNS) Close() error { return nil }
