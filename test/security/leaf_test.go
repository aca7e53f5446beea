package security

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/test/harness"
)

// TestCalloutOfAnotherServerRefused: a master that takes leaf nodes
// answers the auth callouts of its own server and of the leaf nodes
// connected to it, and no other. A hostile leaf node (it holds the leaf
// secret, and its clients publish what they like) forges callout
// requests: one that claims a server which is no leaf of this master,
// one that claims the master's server name with another id, and one
// with no name get no answer, so no user JWT is signed for them. The
// same request with the leaf's own name is answered, so the test sees
// answers when there are some. (The operator cannot publish on the
// callout subject at all: the server denies it.)
func TestCalloutOfAnotherServerRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a master and a leaf node")
	}
	hub := harness.FreePort(t)
	e := harness.NewEnv(t, states, "", fmt.Sprintf("leafnodes: {listen: 127.0.0.1:%d}\n", hub))
	op := e.Operator(false, "_INBOX.op")
	hubName := op.ConnectedServerName()
	if _, err := op.Request("$SYS.REQ.USER.AUTH", []byte("x"), 200*time.Millisecond); err == nil {
		t.Errorf("the operator had an answer on the callout subject")
	}

	b, err := os.ReadFile(filepath.Join(e.Dir, "master", master.LeafSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	var sec master.LeafSecret
	if err := yaml.Unmarshal(b, &sec); err != nil {
		t.Fatal(err)
	}
	hubURL, _ := url.Parse(fmt.Sprintf("nats-leaf://127.0.0.1:%d", hub))
	hubURL.User = url.UserPassword("brine-leaf", sec.Secret)
	rogue, err := server.NewServer(&server.Options{ServerName: "rogue", Host: "127.0.0.1", Port: -1, NoSigs: true,
		LeafNode: server.LeafNodeOpts{Remotes: []*server.RemoteLeafOpts{{URLs: []*url.URL{hubURL}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rogue.Start()
	t.Cleanup(rogue.Shutdown)
	if !rogue.ReadyForConnections(60 * time.Second) {
		t.Fatal("rogue leaf not ready")
	}
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if rogue.NumLeafNodes() != 1 {
			return errors.New("rogue leaf not joined yet")
		}
		return nil
	})
	nc, err := nats.Connect(rogue.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)

	user, _ := nkeys.CreateUser()
	userPub, _ := user.PublicKey()
	ask := func(id, name string, wait time.Duration) (*nats.Msg, error) {
		t.Helper()
		srv, _ := nkeys.CreateServer()
		req := jwt.NewAuthorizationRequestClaims(userPub)
		req.Server = jwt.ServerID{ID: id, Name: name, Host: "127.0.0.1"}
		req.UserNkey = userPub
		nonce := "forged-nonce-" + id + name
		sig, _ := user.Sign([]byte(nonce))
		req.ClientInformation = jwt.ClientInformation{ID: 7, Nonce: nonce, Host: "127.0.0.1"}
		req.ConnectOptions = jwt.ConnectOptions{Nkey: userPub, SignedNonce: base64.RawURLEncoding.EncodeToString(sig)}
		req.Expires = time.Now().Add(time.Minute).Unix()
		tok, err := req.Encode(srv)
		if err != nil {
			t.Fatal(err)
		}
		return nc.Request("$SYS.REQ.USER.AUTH", []byte(tok), wait)
	}
	other, _ := nkeys.CreateServer()
	otherID, _ := other.PublicKey()
	// The control first: once the hub's interest reached the leaf, an
	// answer comes (retried until then).
	var m *nats.Msg
	harness.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		m, err = ask(otherID, "rogue", time.Second)
		return err
	})
	resp, err := jwt.DecodeAuthorizationResponseClaims(string(m.Data))
	if err != nil || resp.Audience != otherID || resp.Jwt == "" {
		t.Fatalf("the leaf's own callout: %v %+v", err, resp)
	}
	for _, c := range []struct{ why, id, name string }{
		{"a server that is no leaf of this master", otherID, "site-x"},
		{"the master's server name with another id", otherID, hubName},
		{"no name at all", otherID, ""},
	} {
		if m, err := ask(c.id, c.name, 2*time.Second); !errors.Is(err, nats.ErrTimeout) {
			data := ""
			if m != nil {
				data = string(m.Data)
			}
			t.Errorf("a callout claiming %s: answered (%v) %q; want none", c.why, err, data)
		}
	}
}
