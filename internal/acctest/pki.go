package acctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"time"
)

// PKI is the certificate authority of a local control plane and the
// certificates it signed.
type PKI struct {
	CACertPEM     []byte
	caCert        *x509.Certificate
	caKey         *ecdsa.PrivateKey
	ServingCert   []byte
	ServingKey    []byte
	AdminCert     []byte
	AdminKey      []byte
	SAPublicKey   []byte
	SAPrivateKey  []byte
	mu            sync.Mutex // guards serialCounter: Issue may run in parallel tests
	serialCounter int64
}

func newPKI() (*PKI, error) {
	p, err := newCA()
	if err != nil {
		return nil, err
	}
	if p.ServingCert, p.ServingKey, err = p.Issue("kube-apiserver", nil, []string{"localhost", "kubernetes", "kubernetes.default"}, []net.IP{net.ParseIP("127.0.0.1")}, x509.ExtKeyUsageServerAuth); err != nil {
		return nil, err
	}
	if p.AdminCert, p.AdminKey, err = p.Issue("kubeharden-admin", []string{"system:masters"}, nil, nil, x509.ExtKeyUsageClientAuth); err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	priv, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	p.SAPublicKey = pemEncode("PUBLIC KEY", pub)
	p.SAPrivateKey = pemEncode("EC PRIVATE KEY", priv)
	return p, nil
}

// newCA makes a certificate authority alone, without issued certificates.
func newCA() (*PKI, error) {
	p := &PKI{serialCounter: 1}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(p.serialCounter),
		Subject:               pkix.Name{CommonName: "kubeharden-test-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	p.caCert, _ = x509.ParseCertificate(der)
	p.caKey = key
	p.CACertPEM = pemEncode("CERTIFICATE", der)
	return p, nil
}

// Issue signs a certificate for cn with the given organizations (groups),
// DNS names, IPs and usage, and returns it and its key as PEM.
func (p *PKI) Issue(cn string, orgs, dns []string, ips []net.IP, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	p.mu.Lock()
	p.serialCounter++
	serial := p.serialCounter
	p.mu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(48 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemEncode("CERTIFICATE", der), pemEncode("EC PRIVATE KEY", kder), nil
}

func pemEncode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ServingTLS issues a server certificate for 127.0.0.1 and localhost, ready
// for a tls.Config, for a local HTTPS server that clients trust through
// this CA.
func (p *PKI) ServingTLS(cn string) (tls.Certificate, error) {
	certPEM, keyPEM, err := p.Issue(cn, nil, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}
