package lazy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errUnknown = errors.New("not known until apply")

func TestGetBuildsOnce(t *testing.T) {
	var builds atomic.Int32
	c := New(func(context.Context) (*int, error) {
		builds.Add(1)
		v := 42
		return &v, nil
	}, false, errUnknown)
	if !c.Known() {
		t.Fatal("Known() = false for a known configuration")
	}
	if builds.Load() != 0 {
		t.Fatal("New built the client; only Get may")
	}
	first, err := c.Get(context.Background())
	if err != nil || *first != 42 {
		t.Fatalf("Get() = %v, %v", first, err)
	}
	second, _ := c.Get(context.Background())
	if second != first || builds.Load() != 1 {
		t.Errorf("second Get returned %p (first %p) after %d builds, want the same value from one build", second, first, builds.Load())
	}
}

func TestGetKeepsTheBuildError(t *testing.T) {
	boom := errors.New("no credentials")
	var builds atomic.Int32
	c := New(func(context.Context) (string, error) {
		builds.Add(1)
		return "", boom
	}, false, errUnknown)
	for range 3 {
		if _, err := c.Get(context.Background()); !errors.Is(err, boom) {
			t.Fatalf("Get() error = %v, want %v", err, boom)
		}
	}
	if builds.Load() != 1 {
		t.Errorf("%d builds, want 1: a failed build is not repeated", builds.Load())
	}
}

func TestUnknownNeverBuilds(t *testing.T) {
	c := New(func(context.Context) (string, error) {
		t.Fatal("built a client whose configuration is unknown")
		return "", nil
	}, true, errUnknown)
	if c.Known() {
		t.Error("Known() = true for an unknown configuration")
	}
	v, err := c.Get(context.Background())
	if !errors.Is(err, errUnknown) || v != "" {
		t.Errorf("Get() = %q, %v; want the zero value and %v", v, err, errUnknown)
	}
}

// TestConcurrentGet: callers racing on the first Get all wait for the one
// build and get its value (run with -race).
func TestConcurrentGet(t *testing.T) {
	var builds atomic.Int32
	release := make(chan struct{})
	c := New(func(context.Context) (*int, error) {
		builds.Add(1)
		<-release
		v := 7
		return &v, nil
	}, false, errUnknown)
	const n = 16
	got := make([]*int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up on the build
	close(release)
	wg.Wait()
	if builds.Load() != 1 {
		t.Errorf("%d builds, want 1", builds.Load())
	}
	for i, v := range got {
		if v == nil || v != got[0] {
			t.Errorf("caller %d got %p, want %p", i, v, got[0])
		}
	}
}
