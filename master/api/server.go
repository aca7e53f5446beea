// Package api is the master's HTTP API, in the manner of salt-api's
// rest_cherrypy: token login, minions, keys, jobs, running commands
// with Salt's lowstate, the event bus as Server-Sent Events, and the job
// dashboard. It holds no rights of its own: each role's requests go to
// the master over NATS with that role's own credential (pkg/client, as
// the brine command does), so the master's handlers and the server's
// permissions decide what each may do, as for the command.
package api

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// Options are what the master gives its API.
type Options struct {
	Config Config
	Log    *slog.Logger
	// Operator and ReadOnly are connections to the master with
	// operator.nk and readonly.nk: each role's requests go on its own.
	Operator, ReadOnly *client.Client
	// OperatorKey and ReadOnlyKey are the public keys of those
	// credentials: a login proves it holds one's seed.
	OperatorKey, ReadOnlyKey string
	// Events subscribes to the master's event bus; nil serves no
	// events.
	Events Subscriber
	// Redact keeps of an event what the read-only role may see (the
	// master's RedactEvent); nil when readonly_returns lets it see all.
	Redact func(proto.Event) (proto.Event, bool)
}

// Server is the API's HTTP server.
type Server struct {
	o      Options
	log    *slog.Logger
	tokens *tokens
	mux    *http.ServeMux
	ui     *ui

	// ctx ends the streams (events) at Shutdown, which would wait for
	// them otherwise.
	ctx    context.Context
	cancel context.CancelFunc
	srv    *http.Server
	ln     net.Listener
	wg     sync.WaitGroup
}

// maxBody bounds a request body.
const maxBody = 1 << 20

// New prepares the server; Start listens.
func New(o Options) (*Server, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	if o.Operator == nil || o.ReadOnly == nil {
		return nil, errors.New("api: the operator and read-only connections are both needed")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &Server{o: o, log: o.Log.With("component", "api"), tokens: newTokens(o.Config.TokenExpiry.D()), mux: http.NewServeMux()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, rt := range Routes() {
		s.mux.HandleFunc(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	var err error
	if s.ui, err = newUI(s); err != nil {
		return nil, err
	}
	s.ui.register(s.mux)
	return s, nil
}

// Handler is the API's handler (for tests that serve it themselves).
func (s *Server) Handler() http.Handler { return s.mux }

// Start listens on the configured address, with TLS when configured,
// and serves on a goroutine Shutdown stops.
func (s *Server) Start() error {
	cfg := s.o.Config
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("api: listen %s: %w", cfg.Listen, err)
	}
	if cfg.TLS() {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("api: tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"}})
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return s.ctx },
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("api: serve", "err", err)
		}
	}()
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	s.log.Info("api ready", "url", scheme+"://"+ln.Addr().String())
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown ends the streams, stops listening and waits for the requests
// in hand (at most a few seconds).
func (s *Server) Shutdown() {
	if s == nil {
		return
	}
	s.cancel()
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
	}
	s.wg.Wait()
}

// httpError is an error with the HTTP status it answers.
type httpError struct {
	Status int
	Err    error
}

func (e *httpError) Error() string { return e.Err.Error() }
func (e *httpError) Unwrap() error { return e.Err }

func errStatus(status int, format string, a ...any) error {
	return &httpError{Status: status, Err: fmt.Errorf(format, a...)}
}

// statusOf is the HTTP status of a handler's error: its own, or what a
// master's answer means.
func statusOf(err error) int {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.Status
	case errors.Is(err, proto.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, proto.ErrBusy):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// wrap serves one route: it finds the session of the token, checks the
// route's role, and writes the handler's error.
func (s *Server) wrap(rt Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		var ses *session
		if rt.Role != RoleNone {
			ses = s.session(r, rt.Path == "/events")
			if ses == nil {
				writeError(w, errStatus(http.StatusUnauthorized, "no valid token: POST /login, then send the token as X-Auth-Token"))
				return
			}
			if ses.Role < rt.Role {
				writeError(w, errStatus(http.StatusForbidden, "the %s role may not %s %s", ses.Role, rt.Method, rt.Path))
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := rt.handle(s, w, r, ses); err != nil {
			if statusOf(err) >= 500 {
				s.log.Warn("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
	}
}

// cookieName is the dashboard's session cookie.
const cookieName = "brine_session"

// session finds the request's session: the X-Auth-Token header (or an
// Authorization bearer), else, for a read (GET), the dashboard's cookie
// or, for the event stream, ?token=. A write never takes the cookie, so
// that no other site can make a browser run a job.
func (s *Server) session(r *http.Request, queryToken bool) *session {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = strings.TrimSpace(b)
		}
	}
	if tok == "" && r.Method == http.MethodGet {
		if c, err := r.Cookie(cookieName); err == nil {
			tok = c.Value
		}
		if tok == "" && queryToken {
			tok = r.URL.Query().Get("token")
		}
	}
	return s.tokens.check(tok)
}

// roleOf tells whose seed a login gives: the operator's, the read-only
// operator's, or neither (RoleNone).
func (s *Server) roleOf(seed string) Role {
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(seed)))
	if err != nil {
		return RoleNone
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return RoleNone
	}
	switch {
	case subtle.ConstantTimeCompare([]byte(pub), []byte(s.o.OperatorKey)) == 1:
		return RoleOperator
	case subtle.ConstantTimeCompare([]byte(pub), []byte(s.o.ReadOnlyKey)) == 1:
		return RoleReadOnly
	}
	return RoleNone
}

// client is the connection of a session's role.
func (s *Server) client(ses *session) *client.Client {
	if ses != nil && ses.Role == RoleOperator {
		return s.o.Operator
	}
	return s.o.ReadOnly
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	st := statusOf(err)
	writeJSON(w, st, ErrorResponse{Status: st, Error: err.Error()})
}
