package master

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/nats-io/nkeys"
)

// File names under the state dir.
const (
	IssuerFile   = "issuer.nk"   // signs auth callout answers and user JWTs
	ServiceFile  = "service.nk"  // the master's own NATS user
	OperatorFile = "operator.nk" // the operator's credential, root only
	ReadOnlyFile = "readonly.nk" // the read-only operator's credential
	JobKeyFile   = "jobkey.nk"   // signs jobs and kills
	CAFile       = "ca.pem"
	CAKeyFile    = "ca-key.pem"
	CertFile     = "server.pem"
	KeyFile      = "server-key.pem"
)

// LoadOrCreateKey reads an nkey seed file, or makes one with mode 0600.
func LoadOrCreateKey(path string, create func() (nkeys.KeyPair, error)) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		return kp, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	kp, err := create()
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	seed, _ := kp.Seed()
	if err := writeFile0600(path, append(seed, '\n')); err != nil {
		return nil, err
	}
	return kp, nil
}

// ReadKey reads an nkey seed file.
func ReadKey(path string) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", path, err)
	}
	return kp, nil
}

// writeFile0600 writes a secret atomically and durably, readable by its
// owner alone even when an older copy had looser permissions.
func writeFile0600(path string, b []byte) error {
	if err := atomicfile.WriteSync(path, b, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// Finger is the fingerprint brine shows for a certificate: see proto.Finger.
func Finger(der []byte) string { return proto.Finger(der) }

// IsLoopback reports whether a listen address is loopback only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ensureTLS makes a CA and a server certificate at first start and
// returns the server's tls.Config and the CA's fingerprint. The server
// sends its chain with the CA, so that a minion can pin it on first use.
func ensureTLS(dir string, names []string) (*tls.Config, string, error) {
	caPath := filepath.Join(dir, CAFile)
	if _, err := os.Stat(caPath); errors.Is(err, fs.ErrNotExist) {
		if err := makeCerts(dir, names); err != nil {
			return nil, "", err
		}
	} else if !fileExists(filepath.Join(dir, CertFile)) {
		// The CA was copied from a cluster's first master, its
		// certificate not (that one names the first master): make
		// this node's own from the shared CA.
		ca, err := loadCA(dir)
		if err != nil {
			return nil, "", err
		}
		if err := ca.issue(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), "brine master", names,
			[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}); err != nil {
			return nil, "", err
		}
	}
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		return nil, "", fmt.Errorf("tls: %w", err)
	}
	blk, _ := pem.Decode(caPEM)
	if blk == nil {
		return nil, "", fmt.Errorf("tls: %s holds no certificate", caPath)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, "", fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, Finger(blk.Bytes), nil
}

func makeCerts(dir string, names []string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	now := time.Now()
	host, _ := os.Hostname()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "brine master CA " + host},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("tls: ca: %w", err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "brine master " + host},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host != "" {
		leaf.DNSNames = append(leaf.DNSNames, host)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else if n != "" {
			leaf.DNSNames = append(leaf.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("tls: server certificate: %w", err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caKeyDER, _ := x509.MarshalECPrivateKey(caKey)
	certPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	for _, f := range []struct {
		name string
		b    []byte
		mode os.FileMode
	}{
		{CAKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER}), 0o600},
		{KeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600},
		{CertFile, certPEM, 0o644},
		{CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.b, f.mode); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
	}
	return nil
}
