package master

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// NATSNodeFile is written in the state dir of a master that runs a node
// of a cluster (2a, docs/scaling.md) at every start: that node as a
// nats-server config, made from the same options as the embedded node,
// so that `nats-server -c nats-node.conf` is the same node run apart,
// on its store, with its name, routes, certificates and the cluster's
// route password. It is the way from 2a to 2b without a new store: one
// node at a time, stop its master, start nats-server on this file,
// start the master again with nats_url in place of cluster:. It holds
// the route password, a secret of the key set: mode 0600.
//
// A master alone writes none: a master on nats_url moves a store it
// kept alone aside and copies it into the cluster's (cluster_grow.go),
// which a nats-server running on that store would not survive.
const NATSNodeFile = "nats-node.conf"

// writeNATSNode writes NATSNodeFile from the embedded node's options.
func (m *Master) writeNATSNode(opts *server.Options) error {
	text := natsNode(opts, m.cfg.StateDir)
	if err := atomicfile.WriteSync(filepath.Join(m.cfg.StateDir, NATSNodeFile), []byte(text), 0o600); err != nil {
		return fmt.Errorf("master: %s: %w", NATSNodeFile, err)
	}
	return nil
}

// natsNode renders the options of an embedded cluster node in
// nats-server's config syntax. The certificates are the files in dir
// that the options' TLS configs were loaded from (ensureTLS, routeTLS);
// the authorization is NATSAuthFile's, written next to it.
func natsNode(opts *server.Options, dir string) string {
	q := strconv.Quote
	in := filepath.Join
	var b strings.Builder
	w := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	listen := func(indent int, host string, port int) {
		if host != "" {
			w(indent, "host: %s", q(host))
		}
		w(indent, "port: %d", port)
	}
	tlsBlock := func(indent int, cert, key string, verify bool, timeout float64) {
		w(indent, "tls {")
		w(indent+1, "cert_file: %s", q(in(dir, cert)))
		w(indent+1, "key_file: %s", q(in(dir, key)))
		if verify {
			// Both ways: the other node's certificate must be of the
			// cluster's CA, as routeTLS asks.
			w(indent+1, "ca_file: %s", q(in(dir, CAFile)))
			w(indent+1, "verify: true")
		}
		w(indent+1, "timeout: %s", strconv.FormatFloat(timeout, 'f', -1, 64))
		w(indent, "}")
	}
	w(0, "# Written by brine master at every start: the NATS node this master")
	w(0, "# runs in its process, as a nats-server config (docs/scaling.md, from")
	w(0, "# 2a to 2b). It holds the routes' password: keep it as the key set.")
	w(0, "server_name: %s", q(opts.ServerName))
	listen(0, opts.Host, opts.Port)
	w(0, "max_payload: %d", opts.MaxPayload)
	if opts.TLSConfig != nil {
		tlsBlock(0, CertFile, KeyFile, false, opts.TLSTimeout)
	}
	w(0, "jetstream {")
	w(1, "store_dir: %s", q(opts.StoreDir))
	w(0, "}")
	cl := opts.Cluster
	w(0, "cluster {")
	w(1, "name: %s", q(cl.Name))
	listen(1, cl.Host, cl.Port)
	if cl.Advertise != "" {
		w(1, "advertise: %s", q(cl.Advertise))
	}
	w(1, "authorization {")
	w(2, "user: %s", q(cl.Username))
	w(2, "password: %s", q(cl.Password))
	w(1, "}")
	w(1, "routes: [")
	for _, r := range opts.Routes {
		w(2, "%s", q(r.String()))
	}
	w(1, "]")
	if cl.TLSConfig != nil {
		tlsBlock(1, RouteCertFile, RouteKeyFile, true, cl.TLSTimeout)
	}
	w(0, "}")
	if ln := opts.LeafNode; ln.Port != 0 {
		w(0, "leafnodes {")
		listen(1, ln.Host, ln.Port)
		w(1, "authorization {")
		w(2, "user: %s", q(ln.Username))
		w(2, "password: %s", q(ln.Password))
		w(1, "}")
		if ln.TLSConfig != nil {
			tlsBlock(1, CertFile, KeyFile, false, ln.TLSTimeout)
		}
		w(0, "}")
	}
	w(0, "include %s", NATSAuthFile)
	return b.String()
}
