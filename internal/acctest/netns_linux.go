package acctest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// NetNS is a network namespace of this test process, joined to the root
// namespace by a veth pair with one 10.x.y.z/30 address on each side: the
// API server (in the root namespace) reaches servers that listen on the
// namespace's address, which is global unicast, as the node proxy demands
// (it refuses loopback and link-local addresses). Nothing else is ever
// reachable through it: servers listen only on NSIP, and the namespace has
// no other address and no default route.
type NetNS struct {
	// Name is kh-<pid>-<n>, under /run/netns.
	Name string
	// HostIP is the root namespace's side of the veth pair, NSIP the
	// namespace's own address.
	HostIP, NSIP net.IP
	hostLink     string
}

var netnsName = regexp.MustCompile(`^kh-(\d+)-(\d+)$`)

// vethName matches the root-namespace side of the pairs: kh<pid>h[<n>].
var vethName = regexp.MustCompile(`^kh(\d+)h\d*$`)

// netnsBase is the /16 the /30 subnets are taken from, offset by the pid.
var netnsBase = net.IPv4(10, 213, 0, 0).To4()

var (
	sharedNSMu  sync.Mutex
	sharedNS    *NetNS
	sharedNSErr error
)

// SharedNetNS returns the package's network namespace, made on the first
// call and removed when Main ends. It skips the test when this is not a
// Linux host where the test runs as root with iproute2's `ip`.
func SharedNetNS(t testing.TB) *NetNS {
	t.Helper()
	if reason := netnsUnsupported(); reason != "" {
		t.Skip(reason)
	}
	sharedNSMu.Lock()
	defer sharedNSMu.Unlock()
	if sharedNS == nil && sharedNSErr == nil {
		sharedNS, sharedNSErr = NewNetNS(0)
		if sharedNSErr == nil {
			ns := sharedNS
			OnExit(func() { _ = ns.Close() })
		}
	}
	if sharedNSErr != nil {
		t.Fatalf("making the test network namespace: %v", sharedNSErr)
	}
	return sharedNS
}

// netnsUnsupported says why this host cannot make network namespaces, or "".
func netnsUnsupported() string {
	if os.Geteuid() != 0 {
		return "this test makes a network namespace and a veth pair (for fake kubelets behind the API server's node proxy), which needs root; run it as root"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "this test makes a network namespace with iproute2's `ip`, which is not on PATH: install iproute2"
	}
	return ""
}

// NewNetNS makes the namespace kh-<pid>-<n> with its veth pair, after
// removing those of test processes that are gone (a binary killed before
// its clean-up).
func NewNetNS(n int) (*NetNS, error) {
	if reason := netnsUnsupported(); reason != "" {
		return nil, errors.New(reason)
	}
	RemoveStaleNetNS()
	pid := os.Getpid()
	subnet, err := freeSubnet(pid)
	if err != nil {
		return nil, err
	}
	ns := &NetNS{
		Name:     fmt.Sprintf("kh-%d-%d", pid, n),
		HostIP:   net.IPv4(subnet[0], subnet[1], subnet[2], subnet[3]+1).To4(),
		NSIP:     net.IPv4(subnet[0], subnet[1], subnet[2], subnet[3]+2).To4(),
		hostLink: fmt.Sprintf("kh%dh", pid),
	}
	if n != 0 {
		ns.hostLink = fmt.Sprintf("kh%dh%d", pid, n)
	}
	nsLink := "eth0"
	steps := [][]string{
		{"netns", "add", ns.Name},
		{"link", "add", ns.hostLink, "type", "veth", "peer", "name", nsLink, "netns", ns.Name},
		{"addr", "add", ns.HostIP.String() + "/30", "dev", ns.hostLink},
		{"link", "set", ns.hostLink, "up"},
		{"-n", ns.Name, "addr", "add", ns.NSIP.String() + "/30", "dev", nsLink},
		{"-n", ns.Name, "link", "set", nsLink, "up"},
		{"-n", ns.Name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			_ = ns.Close()
			return nil, err
		}
	}
	return ns, nil
}

// Close removes the namespace, which removes the veth pair with it.
func (ns *NetNS) Close() error {
	err := ipCmd("netns", "del", ns.Name)
	// The pair is gone with its namespace end; this only matters when the
	// namespace was never made.
	_ = exec.Command("ip", "link", "del", ns.hostLink).Run()
	return err
}

// Listen opens a TCP listener on the namespace's own address and a free
// port. The socket is made inside the namespace, by a goroutine whose
// thread joined it, and stays there: its connections come only through
// the veth pair.
func (ns *NetNS) Listen() (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread is unlocked only once it is back in the root
		// namespace. If switching back fails it stays locked, and Go ends
		// it with this goroutine: no other goroutine ever runs in the
		// namespace. (Ending threads is otherwise avoided: the control
		// plane's processes get SIGKILL when the thread that started them
		// ends, Pdeathsig.)
		runtime.LockOSThread()
		l, back, err := ns.listenHere()
		if back {
			runtime.UnlockOSThread()
		}
		ch <- result{l, err}
	}()
	r := <-ch
	return r.l, r.err
}

// listenHere runs on a locked thread; back says whether the thread is in
// its original namespace again.
func (ns *NetNS) listenHere() (l net.Listener, back bool, err error) {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, err
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + ns.Name)
	if err != nil {
		return nil, true, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("joining network namespace %s: %w", ns.Name, err)
	}
	l, err = net.Listen("tcp4", net.JoinHostPort(ns.NSIP.String(), "0"))
	back = unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil
	return l, back, err
}

// RemoveStaleNetNS removes the kh-<pid>-<n> namespaces and kh<pid>h links of
// processes that no longer exist.
func RemoveStaleNetNS() {
	if out, err := exec.Command("ip", "netns", "list").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			if m := netnsName.FindStringSubmatch(f[0]); m != nil && !pidAlive(m[1]) {
				_ = ipCmd("netns", "del", f[0])
			}
		}
	}
	ifaces, _ := net.Interfaces()
	for _, i := range ifaces {
		if m := vethName.FindStringSubmatch(i.Name); m != nil && !pidAlive(m[1]) {
			_ = ipCmd("link", "del", i.Name)
		}
	}
}

func pidAlive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return true
	}
	_, err = os.Stat("/proc/" + pid)
	return err == nil
}

// freeSubnet picks a /30 in 10.213.0.0/16, starting at an offset from the
// pid so that concurrent test binaries differ, that overlaps no address or
// route of the root namespace.
func freeSubnet(pid int) (net.IP, error) {
	var used []*net.IPNet
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				used = append(used, n)
			}
		}
	}
	if out, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			dst := f[0]
			if dst == "local" || dst == "broadcast" || dst == "unicast" {
				if len(f) < 2 {
					continue
				}
				dst = f[1]
			}
			if !strings.Contains(dst, "/") {
				dst += "/32"
			}
			if _, n, err := net.ParseCIDR(dst); err == nil && dst != "0.0.0.0/0" {
				used = append(used, n)
			}
		}
	}
	const slots = 1 << 14 // /30s in a /16
	for i := range slots {
		idx := (pid + i) % slots
		ip := net.IPv4(netnsBase[0], netnsBase[1], byte(idx*4/256), byte(idx*4%256)).To4()
		cand := &net.IPNet{IP: ip, Mask: net.CIDRMask(30, 32)}
		free := true
		for _, u := range used {
			if u.Contains(cand.IP) || cand.Contains(u.IP) {
				free = false
				break
			}
		}
		if free {
			return ip, nil
		}
	}
	return nil, errors.New("no free /30 in 10.213.0.0/16 for the test network namespace")
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
