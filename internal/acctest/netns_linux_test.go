package acctest

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNetNS makes a namespace, serves on its address and reaches the server
// from the root namespace through the veth pair; a namespace left by a
// process that is gone is removed by the next start, this process's own are
// not, and Close removes the namespace with its pair.
func TestNetNS(t *testing.T) {
	if reason := netnsUnsupported(); reason != "" {
		t.Skip(reason)
	}
	// A pid that no process has: beyond the kernel's pid_max.
	dead := 1 << 23
	stale := fmt.Sprintf("kh-%d-0", dead)
	if err := ipCmd("netns", "add", stale); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", stale).Run() })

	ns, err := NewNetNS(5)
	if err != nil {
		t.Fatal(err)
	}
	if netnsExists(t, stale) {
		t.Errorf("the namespace %s of a process that is gone is still there", stale)
	}
	l, err := ns.Listen()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = c.Write([]byte("hello from " + ns.Name))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dialing %s from the root namespace: %v", l.Addr(), err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	l.Close()
	if string(b) != "hello from "+ns.Name {
		t.Errorf("got %q", b)
	}
	// The listener is not in the root namespace: nothing there has its address.
	if addrs, _ := net.InterfaceAddrs(); strings.Contains(fmt.Sprint(addrs), ns.NSIP.String()+"/") {
		t.Errorf("the root namespace has the namespace's address %s: %v", ns.NSIP, addrs)
	}
	RemoveStaleNetNS()
	if !netnsExists(t, ns.Name) {
		t.Errorf("RemoveStaleNetNS removed %s of a live process (pid %d)", ns.Name, os.Getpid())
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	if netnsExists(t, ns.Name) {
		t.Errorf("%s is still there after Close", ns.Name)
	}
	if _, err := net.InterfaceByName(ns.hostLink); err == nil {
		t.Errorf("the veth %s is still there after Close", ns.hostLink)
	}
}

func netnsExists(t *testing.T, name string) bool {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}
