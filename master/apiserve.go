package master

import (
	"fmt"
	"path/filepath"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master/api"
	"github.com/brine-cm/brine/pkg/client"
)

// startAPI serves the HTTP API and the dashboard when api.listen is
// set. The API holds no rights of its own: it connects to this master
// as the operator and as the read-only operator, with their
// credentials, as the brine command does, so that each role's requests
// meet the same handlers and the same server permissions.
func (m *Master) startAPI() error {
	if m.cfg.API.Listen == "" {
		return nil
	}
	dir := m.cfg.StateDir
	conn := func(file string, readOnly bool) (*client.Client, error) {
		cfg := client.Config{URL: m.url, Creds: filepath.Join(dir, file), ReadOnly: readOnly, Name: "brine-api"}
		if fileExists(filepath.Join(dir, CAFile)) {
			cfg.CAFile = filepath.Join(dir, CAFile)
		}
		if m.srv != nil {
			cfg.Options = []nats.Option{nats.InProcessServer(m.srv)}
		}
		return client.Connect(cfg)
	}
	op, err := conn(OperatorFile, false)
	if err != nil {
		return fmt.Errorf("master: api: %w", err)
	}
	ro, err := conn(ReadOnlyFile, true)
	if err != nil {
		op.Close()
		return fmt.Errorf("master: api: %w", err)
	}
	o := api.Options{Config: m.cfg.API, Log: m.log, Operator: op, ReadOnly: ro,
		OperatorKey: m.opPub, ReadOnlyKey: m.roPub, Events: m.Events()}
	if !m.cfg.ReadOnlyReturns {
		o.Redact = RedactEvent
	}
	a, err := api.New(o)
	if err == nil {
		err = a.Start()
	}
	if err != nil {
		op.Close()
		ro.Close()
		return fmt.Errorf("master: %w", err)
	}
	m.api, m.apiConns = a, []*client.Client{op, ro}
	return nil
}

// stopAPI stops the API first at shutdown: its requests need the
// master.
func (m *Master) stopAPI() {
	m.api.Shutdown()
	for _, c := range m.apiConns {
		c.Close()
	}
	m.api, m.apiConns = nil, nil
}
