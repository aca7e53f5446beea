package master

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/confyaml"
)

// URLList is a leaf.yaml key that takes one URL, URLs with commas
// between them, or a YAML list of them.
type URLList []string

// UnmarshalYAML reads a string or a list of strings.
func (l *URLList) UnmarshalYAML(n *yaml.Node) error {
	raw, err := confyaml.StringOrList(n, "a URL")
	if err != nil {
		return err
	}
	var out URLList
	for _, r := range raw {
		for _, u := range strings.Split(r, ",") {
			if u = strings.TrimSpace(u); u != "" {
				out = append(out, u)
			}
		}
	}
	*l = out
	return nil
}

// hubURLs parses the hubs a leaf joins, each with the leaf's
// credentials in it; useTLS is whether the leaf speaks TLS to them (any
// one tls:// or beyond loopback: all).
func hubURLs(hubs URLList, secret string) (urls []*url.URL, useTLS bool, err error) {
	if len(hubs) == 0 {
		return nil, false, &LeafConfigError{"hub", errors.New("empty: the master's leafnodes.listen, nats-leaf://host:port")}
	}
	for _, h := range hubs {
		u, err := url.Parse(h)
		if err != nil || u.Host == "" || u.User != nil {
			return nil, false, &LeafConfigError{"hub", fmt.Errorf("%q: want nats-leaf://host:port, no credentials", h)}
		}
		switch u.Scheme {
		case "nats-leaf", "nats", "tls":
		default:
			return nil, false, &LeafConfigError{"hub", fmt.Errorf("%q: want nats-leaf://host:port or tls://host:port", h)}
		}
		if u.Scheme == "tls" || !IsLoopback(u.Hostname()) {
			useTLS = true
		}
		u.User = url.UserPassword(leafUser, secret)
		urls = append(urls, u)
	}
	return urls, useTLS, nil
}

// NATSLeafAuthFile is written in the state dir of a master on an
// external NATS server or cluster (nats_url), with LeafSecretFile: the
// authorization of the leafnodes block of nats-server.conf
// (`leafnodes { listen: …; include nats-leaf-auth.conf }`), so that
// brine leaf nodes join the servers the masters use. It holds the leaf
// secret: root only.
const NATSLeafAuthFile = "nats-leaf-auth.conf"

// natsLeafAuth renders NATSLeafAuthFile in nats-server's config syntax.
func natsLeafAuth(secret string) string {
	return fmt.Sprintf(`# Written by brine master from the issuer key in its state dir: the
# login of brine leaf nodes (leaf-secret.yaml). In nats-server.conf,
# inside the leafnodes block: include %s
authorization {
  user: %s
  password: %s
}
`, NATSLeafAuthFile, strconv.Quote(leafUser), strconv.Quote(secret))
}

// writeLeafSecret writes LeafSecretFile, and with conf NATSLeafAuthFile
// too; it returns the secret.
func (m *Master) writeLeafSecret(conf bool) (string, error) {
	secret, err := leafSecret(m.issuer)
	if err != nil {
		return "", err
	}
	iss, _ := m.issuer.PublicKey()
	b, err := yaml.Marshal(LeafSecret{Issuer: iss, Secret: secret})
	if err != nil {
		return "", fmt.Errorf("master: %s: %w", LeafSecretFile, err)
	}
	if err := atomicfile.WriteSync(filepath.Join(m.cfg.StateDir, LeafSecretFile), b, 0o600); err != nil {
		return "", fmt.Errorf("master: %s: %w", LeafSecretFile, err)
	}
	if conf {
		if err := atomicfile.WriteSync(filepath.Join(m.cfg.StateDir, NATSLeafAuthFile), []byte(natsLeafAuth(secret)), 0o600); err != nil {
			return "", fmt.Errorf("master: %s: %w", NATSLeafAuthFile, err)
		}
	}
	return secret, nil
}
