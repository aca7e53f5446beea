package master

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestLeafConfigRefusals(t *testing.T) {
	for _, c := range []struct{ yaml, key string }{
		{"hub: nats-leaf://127.0.0.1:7422\n", "name"},
		{"name: a.b\nhub: nats-leaf://127.0.0.1:7422\n", "name"},
		{"name: site-a\n", "hub"},
		{"name: site-a\nhub: nats-leaf://127.0.0.1:7422\nlisten: nowhere\n", "listen"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "leaf.yaml"), []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadLeafConfig(dir)
		var ce *LeafConfigError
		if !errors.As(err, &ce) || ce.Key != c.key {
			t.Errorf("%q: %v; want an error on %s", c.yaml, err, c.key)
		}
	}
}

// A leaf beyond loopback without a certificate would hand the minions
// plain text: refused, as a hub URL with credentials in it is.
func TestStartLeafRefusals(t *testing.T) {
	dir := t.TempDir()
	sec := filepath.Join(dir, LeafSecretFile)
	if err := os.WriteFile(sec, []byte("issuer: AAIWY4GZOASMZQ37VO2NOWRZGAPU3WBVHYCXI7P6L45OZBA4E4KTK236\nsecret: s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		cfg LeafConfig
		key string
	}{
		{LeafConfig{Name: "a", Listen: "0.0.0.0:-1", Hub: "nats-leaf://127.0.0.1:1", Secret: sec}, "tls_cert"},
		{LeafConfig{Name: "a", Listen: "127.0.0.1:-1", Hub: "nats-leaf://u:p@127.0.0.1:1", Secret: sec}, "hub"},
		{LeafConfig{Name: "a", Listen: "127.0.0.1:-1", Hub: "http://127.0.0.1:1", Secret: sec}, "hub"},
	} {
		l, err := StartLeaf(&c.cfg, log)
		if l != nil {
			l.Shutdown()
		}
		var ce *LeafConfigError
		if !errors.As(err, &ce) || ce.Key != c.key {
			t.Errorf("%+v: %v; want an error on %s", c.cfg, err, c.key)
		}
	}
}
