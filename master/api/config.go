package api

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/brine-cm/brine/pkg/confyaml"
)

// Config is master.yaml's api section.
type Config struct {
	// Listen is the host:port the API and the dashboard listen on;
	// empty (the default) serves neither.
	Listen string `yaml:"listen"`
	// TLSCert and TLSKey are the server's certificate chain and key
	// (PEM). Required when Listen is beyond loopback.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TokenExpiry is how long a token from POST /login lasts (Salt's
	// token_expire).
	TokenExpiry confyaml.Duration `yaml:"token_expiry"`
}

// DefaultConfig is the api section's defaults: off.
func DefaultConfig() Config {
	return Config{TokenExpiry: confyaml.Duration(12 * time.Hour)}
}

// ErrPlainBeyondLoopback is an API configured to listen beyond loopback
// without a certificate: the operator's credential would cross the
// network in the clear.
var ErrPlainBeyondLoopback = errors.New("the API listens beyond loopback without TLS: set api.tls_cert and api.tls_key (TLS is required beyond loopback)")

// Validate checks the section; an empty Listen is always valid.
func (c *Config) Validate() error {
	if c.Listen == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("master config: api.listen %q: %w", c.Listen, err)
	}
	if port == "" {
		return fmt.Errorf("master config: api.listen %q: no port", c.Listen)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("master config: api.tls_cert and api.tls_key go together")
	}
	if c.TLSCert == "" && !loopback(host) {
		return fmt.Errorf("master config: api.listen %q: %w", c.Listen, ErrPlainBeyondLoopback)
	}
	if c.TokenExpiry < confyaml.Duration(time.Minute) {
		return fmt.Errorf("master config: api.token_expiry must be at least 1m")
	}
	return nil
}

// TLS reports whether the API serves HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// loopback reports whether a listen host is loopback only (an empty
// host listens everywhere).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
