package acctest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/kms/pkg/service"
)

// KMSPlugin is a KMS v2 plugin for tests, served with k8s.io/kms/pkg/service
// on a unix socket. It encrypts with AES-256-GCM under the current key, and
// decrypts with any key it has held, so a test can change the key id and
// watch kube-apiserver rotate its data encryption key.
type KMSPlugin struct {
	// Socket is the path of the unix socket; Endpoint is it as unix:///path.
	Socket   string
	Endpoint string

	dir      string
	svc      *service.GRPCService
	done     chan error
	encrypts atomic.Int64
	decrypts atomic.Int64

	mu      sync.Mutex
	keyID   string
	keys    map[string]cipher.AEAD
	healthy bool
}

var _ service.Service = &KMSPlugin{}

// StartKMSPlugin serves a plugin whose first key has the id keyID, and waits
// until the socket accepts connections. Stop it with Stop.
func StartKMSPlugin(ctx context.Context, keyID string) (*KMSPlugin, error) {
	// Unix socket paths are limited to about 100 bytes, more than a test's
	// t.TempDir() may use: keep the folder short.
	dir, err := TempDir("kubeharden-kms-")
	if err != nil {
		return nil, err
	}
	p := &KMSPlugin{dir: dir, Socket: filepath.Join(dir, "kms.sock"), keys: map[string]cipher.AEAD{}, healthy: true, done: make(chan error, 1)}
	p.Endpoint = "unix://" + p.Socket
	if err := p.SetKeyID(keyID); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	p.svc = service.NewGRPCService(p.Socket, 10*time.Second, p)
	go func() { p.done <- p.svc.ListenAndServe() }()

	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "unix", p.Socket)
		if err == nil {
			_ = c.Close()
			return p, nil
		}
		select {
		case err := <-p.done:
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("the KMS plugin stopped before serving on %s: %w", p.Socket, err)
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("the KMS plugin did not accept connections on %s: %w", p.Socket, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop closes the server and removes its socket folder.
func (p *KMSPlugin) Stop() {
	p.svc.Close()
	_ = os.RemoveAll(p.dir)
}

// SetKeyID makes a new AES-256 key, with the id keyID, the one that
// encrypts. Keys held before still decrypt.
func (p *KMSPlugin) SetKeyID(keyID string) error {
	if keyID == "" {
		return errors.New("a KMS v2 key id must not be empty")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[keyID] = aead
	p.keyID = keyID
	return nil
}

// KeyID returns the id of the key that encrypts.
func (p *KMSPlugin) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyID
}

// SetHealthy makes Status report "ok" or an error.
func (p *KMSPlugin) SetHealthy(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.healthy = ok
}

// Encrypts and Decrypts count the calls that succeeded, so a test can tell which
// plugin kube-apiserver used.
func (p *KMSPlugin) Encrypts() int64 { return p.encrypts.Load() }

// Decrypts: see Encrypts.
func (p *KMSPlugin) Decrypts() int64 { return p.decrypts.Load() }

// Encrypt seals data (a data encryption key of kube-apiserver) under the
// current key; the nonce leads the ciphertext.
func (p *KMSPlugin) Encrypt(_ context.Context, _ string, data []byte) (*service.EncryptResponse, error) {
	p.mu.Lock()
	keyID, aead := p.keyID, p.keys[p.keyID]
	p.mu.Unlock()
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	p.encrypts.Add(1)
	return &service.EncryptResponse{Ciphertext: aead.Seal(nonce, nonce, data, []byte(keyID)), KeyID: keyID}, nil
}

// Decrypt opens a ciphertext with the key it names.
func (p *KMSPlugin) Decrypt(_ context.Context, _ string, req *service.DecryptRequest) ([]byte, error) {
	p.mu.Lock()
	aead, ok := p.keys[req.KeyID]
	p.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", req.KeyID)
	}
	n := aead.NonceSize()
	if len(req.Ciphertext) < n {
		return nil, errors.New("ciphertext too short")
	}
	plain, err := aead.Open(nil, req.Ciphertext[:n], req.Ciphertext[n:], []byte(req.KeyID))
	if err != nil {
		return nil, err
	}
	p.decrypts.Add(1)
	return plain, nil
}

// Status reports the KMS v2 API version, health and the current key id, as
// kube-apiserver polls it.
func (p *KMSPlugin) Status(_ context.Context) (*service.StatusResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	health := "ok"
	if !p.healthy {
		health = "unhealthy (test)"
	}
	return &service.StatusResponse{Version: "v2", Healthz: health, KeyID: p.keyID}, nil
}
