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
		{LeafConfig{Name: "a", Listen: "0.0.0.0:-1", Hub: URLList{"nats-leaf://127.0.0.1:1"}, Secret: sec}, "tls_cert"},
		{LeafConfig{Name: "a", Listen: "127.0.0.1:-1", Hub: URLList{"nats-leaf://u:p@127.0.0.1:1"}, Secret: sec}, "hub"},
		{LeafConfig{Name: "a", Listen: "127.0.0.1:-1", Hub: URLList{"http://127.0.0.1:1"}, Secret: sec}, "hub"},
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

// hub: takes one URL, URLs with commas between them, or a list; every
// URL carries the leaf's login, and TLS is spoken to all when one needs it.
func TestLeafHubList(t *testing.T) {
	for yml, want := range map[string]int{
		"name: a\nhub: nats-leaf://127.0.0.1:7422\n":                                          1,
		"name: a\nhub: nats-leaf://127.0.0.1:7422,nats-leaf://127.0.0.1:7423\n":               2,
		"name: a\nhub: [nats-leaf://127.0.0.1:7422, nats-leaf://127.0.0.1:7423, tls://h:1]\n": 3,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "leaf.yaml"), []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadLeafConfig(dir)
		if err != nil {
			t.Fatalf("%q: %v", yml, err)
		}
		urls, useTLS, err := hubURLs(c.Hub, "s")
		if err != nil || len(urls) != want {
			t.Fatalf("%q: %v, %v; want %d URLs", yml, urls, err, want)
		}
		for _, u := range urls {
			if p, _ := u.User.Password(); u.User.Username() != leafUser || p != "s" {
				t.Errorf("%q: %s has no leaf login", yml, u.Redacted())
			}
		}
		if useTLS != (want == 3) {
			t.Errorf("%q: TLS %v", yml, useTLS)
		}
	}
	if _, _, err := hubURLs(URLList{"nats-leaf://127.0.0.1:1", "http://x:1"}, "s"); err == nil {
		t.Error("a list with an http URL: no error")
	}
}
