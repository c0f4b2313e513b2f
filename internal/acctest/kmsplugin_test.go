package acctest

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	kmsapi "k8s.io/kms/apis/v2"
)

// TestKMSPlugin talks to the plugin over its socket as kube-apiserver does:
// status, encrypt, decrypt, and a key change after which old ciphertexts
// still decrypt.
func TestKMSPlugin(t *testing.T) {
	ctx := context.Background()
	p, err := StartKMSPlugin(ctx, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	conn, err := grpc.NewClient(p.Endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := kmsapi.NewKeyManagementServiceClient(conn)

	st, err := c.Status(ctx, &kmsapi.StatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "v2" || st.Healthz != "ok" || st.KeyId != "key-1" {
		t.Errorf("status %+v", st)
	}
	plain := []byte("a data encryption key")
	enc1, err := c.Encrypt(ctx, &kmsapi.EncryptRequest{Plaintext: plain, Uid: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if enc1.KeyId != "key-1" || bytes.Contains(enc1.Ciphertext, plain) {
		t.Errorf("encrypt: key %q, ciphertext %q", enc1.KeyId, enc1.Ciphertext)
	}
	if err := p.SetKeyID("key-2"); err != nil {
		t.Fatal(err)
	}
	enc2, err := c.Encrypt(ctx, &kmsapi.EncryptRequest{Plaintext: plain, Uid: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if enc2.KeyId != "key-2" {
		t.Errorf("after SetKeyID the key is %q", enc2.KeyId)
	}
	for _, e := range []*kmsapi.EncryptResponse{enc1, enc2} {
		dec, err := c.Decrypt(ctx, &kmsapi.DecryptRequest{Ciphertext: e.Ciphertext, KeyId: e.KeyId, Uid: "3"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Plaintext, plain) {
			t.Errorf("decrypt with %s: %q", e.KeyId, dec.Plaintext)
		}
	}
	if _, err := c.Decrypt(ctx, &kmsapi.DecryptRequest{Ciphertext: enc1.Ciphertext, KeyId: "key-2", Uid: "4"}); err == nil {
		t.Error("a ciphertext opened under the wrong key id")
	}
	if p.Encrypts() != 2 || p.Decrypts() != 2 {
		t.Errorf("counted %d encrypts and %d decrypts", p.Encrypts(), p.Decrypts())
	}
	p.SetHealthy(false)
	if st, _ := c.Status(ctx, &kmsapi.StatusRequest{}); st.GetHealthz() == "ok" {
		t.Error("SetHealthy(false) still reports ok")
	}
}
