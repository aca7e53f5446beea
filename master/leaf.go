package master

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/confyaml"
)

// Remote sites: a NATS leaf node near a site's minions (brine leaf),
// connected to the master's embedded server (the hub). The minions
// connect to the leaf as to a master; the leaf asks the hub's masters
// who they are (its auth callout travels over the leaf connection), so
// the key registry at the centre decides, and the operator targets them
// as any others. A leaf logs in to the hub with a secret derived from
// the issuer key, which the master writes to LeafSecretFile.

// LeafNodesConfig is master.yaml's leafnodes: section.
type LeafNodesConfig struct {
	// Listen is host:port where the embedded server takes leaf nodes;
	// empty: none. Beyond loopback the leaf connections speak TLS.
	Listen string `yaml:"listen"`
}

// LeafSecretFile is written in the state dir when leafnodes.listen is
// set: what a leaf node needs to join (the secret it logs in with, the
// issuer its callout answers are signed by). Root only: a leaf that
// holds it can read and write every subject of the bus.
const LeafSecretFile = "leaf-secret.yaml"

// leafUser is the user leaf nodes log in to the hub as.
const leafUser = "brine-leaf"

// LeafSecret is LeafSecretFile's content.
type LeafSecret struct {
	Issuer string `yaml:"issuer"`
	Secret string `yaml:"secret"`
}

// leafSecret is the password leaf nodes log in with, derived from the
// issuer key as the route secret is, but not the same.
func leafSecret(issuer nkeys.KeyPair) (string, error) {
	seed, err := issuer.Seed()
	if err != nil {
		return "", fmt.Errorf("leafnodes: secret: %w", err)
	}
	mac := hmac.New(sha256.New, seed)
	mac.Write([]byte("brine leafnodes v1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func (c *Config) validateLeafNodes() error {
	if c.LeafNodes.Listen == "" {
		return nil
	}
	if c.NATSURL != "" {
		return &ClusterError{"leafnodes", errors.New("is for the embedded server; with nats_url the leaf nodes are nats-server's to configure")}
	}
	if _, _, err := splitListen(c.LeafNodes.Listen); err != nil {
		return &ClusterError{"leafnodes.listen", err}
	}
	return nil
}

// leafOptions adds the leaf node listener to the embedded server's
// options, and writes LeafSecretFile.
func (m *Master) leafOptions(opts *server.Options) error {
	host, port, err := splitListen(m.cfg.LeafNodes.Listen)
	if err != nil {
		return &ClusterError{"leafnodes.listen", err}
	}
	secret, err := m.writeLeafSecret(false)
	if err != nil {
		return err
	}
	opts.LeafNode = server.LeafNodeOpts{Host: host, Port: port, Username: leafUser, Password: secret}
	if !m.cfg.TLS && IsLoopback(host) {
		return nil
	}
	// The CA's fingerprint is not the minions' to pin from here: a
	// master whose clients speak plain text on loopback must not tell
	// them to want TLS.
	tc, _, err := ensureTLS(m.cfg.StateDir, m.cfg.TLSNames)
	if err != nil {
		return fmt.Errorf("master: leafnodes: %w", err)
	}
	opts.LeafNode.TLSConfig = tc
	opts.LeafNode.TLSTimeout = 5
	return nil
}

// leafNames is the server names of the leaf nodes connected to
// the embedded server now.
func (m *Master) leafNames() map[string]bool {
	if m.srv == nil || m.cfg.LeafNodes.Listen == "" {
		return nil
	}
	lz, err := m.srv.Leafz(nil)
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(lz.Leafs))
	for _, l := range lz.Leafs {
		if l.Name != "" {
			names[l.Name] = true
		}
	}
	return names
}

// LeafConfigError is a leaf.yaml key brine leaf cannot run with.
type LeafConfigError struct {
	Key string
	Err error
}

func (e *LeafConfigError) Error() string { return fmt.Sprintf("leaf config: %s: %v", e.Key, e.Err) }
func (e *LeafConfigError) Unwrap() error { return e.Err }

// LeafConfig is leaf.yaml, the config of brine leaf.
type LeafConfig struct {
	// Name is the leaf server's name, unique among the hub's leaves.
	Name string `yaml:"name"`
	// Listen is host:port the site's minions connect to.
	Listen string `yaml:"listen"`
	// Hub is where the leaf joins: the master's leafnodes.listen,
	// nats-leaf://host:port (tls:// beyond loopback), or, on a cluster,
	// every node's (a list, or URLs with commas between them): the leaf
	// joins one and, when that one goes, another.
	Hub URLList `yaml:"hub"`
	// Secret is the master's LeafSecretFile, copied here.
	Secret string `yaml:"secret_file"`
	// CA is the master's ca.pem, which the hub's certificate is
	// checked against.
	CA string `yaml:"ca_file"`
	// TLSCert and TLSKey are the certificate the leaf shows the
	// minions, issued by the master's CA (the CA the minions pin);
	// needed when listen is beyond loopback.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// MaxPayload is the largest message, as the master's max_payload.
	MaxPayload int32  `yaml:"max_payload"`
	LogLevel   string `yaml:"log_level"`
}

// LoadLeafConfig reads dir/leaf.yaml; relative file names are under dir.
func LoadLeafConfig(dir string) (*LeafConfig, error) {
	c := LeafConfig{Listen: "0.0.0.0:4222", Secret: LeafSecretFile, CA: CAFile, MaxPayload: 1 << 20, LogLevel: "info"}
	p := filepath.Join(dir, "leaf.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("leaf config: %w", err)
	}
	if err := confyaml.DecodeStrict(p, b, &c); err != nil {
		return nil, err
	}
	for _, f := range []*string{&c.Secret, &c.CA, &c.TLSCert, &c.TLSKey} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(dir, *f)
		}
	}
	switch {
	case c.Name == "":
		return nil, &LeafConfigError{"name", errors.New("empty: name this leaf, uniquely among the hub's leaves")}
	case !clusterNameRE.MatchString(c.Name):
		return nil, &LeafConfigError{"name", fmt.Errorf("%q: letters, digits, '-' and '_' only", c.Name)}
	case len(c.Hub) == 0:
		return nil, &LeafConfigError{"hub", errors.New("empty: the master's leafnodes.listen, nats-leaf://host:port")}
	}
	if _, _, err := splitListen(c.Listen); err != nil {
		return nil, &LeafConfigError{"listen", err}
	}
	return &c, nil
}

// Leaf is a running leaf node.
type Leaf struct {
	srv *server.Server
}

// ClientURL is where minions connect.
func (l *Leaf) ClientURL() string { return l.srv.ClientURL() }

// Shutdown stops the leaf node.
func (l *Leaf) Shutdown() {
	l.srv.Shutdown()
	l.srv.WaitForShutdown()
}

// StartLeaf starts a leaf node from c.
func StartLeaf(c *LeafConfig, log *slog.Logger) (*Leaf, error) {
	host, port, err := splitListen(c.Listen)
	if err != nil {
		return nil, &LeafConfigError{"listen", err}
	}
	b, err := os.ReadFile(c.Secret)
	if err != nil {
		return nil, fmt.Errorf("leaf: secret_file: %w", err)
	}
	var sec LeafSecret
	if err := confyaml.DecodeStrict(c.Secret, b, &sec); err != nil {
		return nil, err
	}
	if !nkeys.IsValidPublicAccountKey(sec.Issuer) || sec.Secret == "" {
		return nil, &LeafConfigError{"secret_file", fmt.Errorf("%s: want the master's %s", c.Secret, LeafSecretFile)}
	}
	hubs, useTLS, err := hubURLs(c.Hub, sec.Secret)
	if err != nil {
		return nil, err
	}
	remote := &server.RemoteLeafOpts{URLs: hubs}
	if useTLS {
		caPEM, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("leaf: ca_file (the hub speaks TLS beyond loopback): %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, &LeafConfigError{"ca_file", fmt.Errorf("%s holds no certificate", c.CA)}
		}
		remote.TLS = true
		// No ServerName: the server checks each hub's certificate
		// against the host name of the URL it dials.
		remote.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		remote.TLSTimeout = 5
	}
	// The callout needs a user it does not call out for: one whose key
	// is forgotten at once, so no one is it.
	nobody, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("leaf: %w", err)
	}
	nobodyPub, _ := nobody.PublicKey()
	opts := &server.Options{
		ServerName:        c.Name,
		Host:              host,
		Port:              port,
		MaxPayload:        c.MaxPayload,
		NoSigs:            true,
		Nkeys:             []*server.NkeyUser{{Nkey: nobodyPub}},
		AuthCallout:       &server.AuthCallout{Issuer: sec.Issuer, Account: "$G", AuthUsers: []string{nobodyPub}},
		AlwaysEnableNonce: true,
		LeafNode:          server.LeafNodeOpts{Remotes: []*server.RemoteLeafOpts{remote}},
	}
	switch {
	case c.TLSCert != "" || c.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("leaf: tls_cert: %w", err)
		}
		if len(cert.Certificate) == 1 {
			// The minions check the chain ends at the CA they pinned:
			// the master's, which the leaf has in ca_file.
			ca, err := caDER(c.CA)
			if err != nil {
				return nil, fmt.Errorf("leaf: tls_cert holds no chain, and ca_file: %w", err)
			}
			cert.Certificate = append(cert.Certificate, ca)
		}
		opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		opts.TLS = true
		opts.TLSTimeout = 5
	case !IsLoopback(host):
		return nil, &LeafConfigError{"tls_cert", fmt.Errorf("listen %s is beyond loopback: give the leaf a certificate issued by the master's CA (docs/scaling.md)", c.Listen)}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("leaf: nats server: %w", err)
	}
	fatal := make(chan string, 1)
	s.SetLoggerV2(&natsLog{l: log.With("component", "nats"), fatal: fatal}, c.LogLevel == "debug", false, false)
	s.Start()
	if err := waitReady(s, fatal, 30*time.Second); err != nil {
		s.Shutdown()
		return nil, err
	}
	return &Leaf{srv: s}, nil
}

// RunLeaf runs a leaf node until ctx ends.
func RunLeaf(ctx context.Context, c *LeafConfig, log *slog.Logger, ready func()) error {
	l, err := StartLeaf(c, log)
	if err != nil {
		return err
	}
	log.Info("leaf ready", "url", l.ClientURL(), "hub", strings.Join(c.Hub, ","))
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	l.Shutdown()
	return nil
}

// caDER is the first certificate of a PEM file.
func caDER(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s holds no certificate", path)
		}
		if blk.Type == "CERTIFICATE" {
			return blk.Bytes, nil
		}
	}
}

// Leaf certificate files IssueLeafCert writes.
const (
	LeafCertFile = "leaf.pem"
	LeafKeyFile  = "leaf-key.pem"
)

// IssueLeafCert makes the certificate a leaf node shows its minions,
// from the CA in the master's state dir (the CA the minions pin), for
// names (the leaf's host names or addresses): LeafCertFile, the CA
// after it, and LeafKeyFile (0600) in outDir.
func IssueLeafCert(stateDir, outDir string, names []string) error {
	if len(names) == 0 {
		return errors.New("leaf cert: name the leaf's host names or addresses")
	}
	ca, err := loadCA(stateDir)
	if err != nil {
		return err
	}
	return ca.issue(filepath.Join(outDir, LeafCertFile), filepath.Join(outDir, LeafKeyFile), "brine leaf", names,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
}
