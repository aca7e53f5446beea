package security

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// Class 2: deleting or rejecting a key ends every connection of it at
// once. Before, only the last eight connections were cut, and the others
// kept receiving pillar, files and job broadcasts.
func TestRevokedKeyLosesEveryConnection(t *testing.T) {
	for _, action := range []string{"delete", "reject"} {
		t.Run(action, func(t *testing.T) {
			e := newEnv(t, "")
			ev := newEvil(t, e, "evil")
			conns := []*nats.Conn{ev.nc}
			for i := 0; i < 12; i++ {
				nc, _ := ev.connect()
				conns = append(conns, nc)
			}
			// A file request is what an accepted key may make (and
			// the rate limit of files is the loosest).
			hello := func(nc *nats.Conn) error {
				b, _ := proto.Marshal(&proto.FileRequest{Path: "files/hello.txt"})
				_, err := nc.Request(proto.SubjFile("evil"), b, 500*time.Millisecond)
				return err
			}
			for i, nc := range conns {
				harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
					if err := hello(nc); err != nil {
						return fmt.Errorf("connection %d: %w", i, err)
					}
					return nil
				})
			}
			args := []string{"key", action, "evil", "-y"}
			if action == "reject" {
				args = append(args, "--include-accepted")
			}
			if out, errOut, code := e.Brine(args...); code != 0 {
				t.Fatalf("key %s: %d %s%s", action, code, out, errOut)
			}
			harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
				for i, nc := range conns {
					if err := hello(nc); err == nil {
						return fmt.Errorf("connection %d still answered as accepted", i)
					}
				}
				return nil
			})
		})
	}
}

// Class 2: an authorisation expires (auth_ttl) and is decided again, so
// a key revoked where the master cannot kick (a NATS cluster) is out
// within that time; master/external_test.go shows it on an external
// server. Here: the connection is re-authorised by itself and goes on.
func TestAuthorisationExpires(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "auth_ttl: 2s\n")
	ev := newEvil(t, e, "evil")
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		for {
			select {
			case err := <-ev.errs:
				if errors.Is(err, nats.ErrAuthExpired) {
					return nil
				}
			default:
				return errors.New("no authorisation expiry yet")
			}
		}
	})
	var hr proto.HelloReply
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		return ask(ev.nc, proto.SubjHello("evil"), &proto.Hello{ID: "evil"}, &hr)
	})
}
