package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

// Subscriber is the master's event hub (master.Events()): Subscribe
// gives the events whose tag filter accepts until ctx ends.
type Subscriber interface {
	Subscribe(ctx context.Context, filter func(tag string) bool) <-chan proto.Event
}

// keepalive is how often an idle stream gets a comment, so that
// proxies and the browser keep it open.
const keepalive = 15 * time.Second

// events streams the event bus as Server-Sent Events, as salt-api's
// /events: a tag line, then the event as JSON on a data line.
func (s *Server) events(w http.ResponseWriter, r *http.Request, ses *session) error {
	if s.o.Events == nil {
		return errStatus(http.StatusServiceUnavailable, "this master has no event bus")
	}
	var pats []*fnmatch.Pattern
	for _, g := range r.URL.Query()["tag"] {
		pats = append(pats, fnmatch.Compile(g))
	}
	filter := func(tag string) bool {
		if len(pats) == 0 {
			return true
		}
		for _, p := range pats {
			if p.Match(tag) {
				return true
			}
		}
		return false
	}
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch := s.o.Events.Subscribe(ctx, filter)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	redact := ses.Role < RoleOperator && s.o.Redact != nil
	tick := time.NewTicker(keepalive)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			if redact {
				ev, _ = s.o.Redact(ev)
			}
			err = writeEvent(w, ev)
		case <-tick.C:
			_, err = fmt.Fprint(w, ": keepalive\n\n")
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			// The client went away.
			return nil
		}
	}
}

func writeEvent(w http.ResponseWriter, ev proto.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	// A tag has no newline (the bus makes them), but a line break
	// would end the field: keep the stream well formed whatever.
	tag := strings.NewReplacer("\n", " ", "\r", " ").Replace(ev.Tag)
	_, err = fmt.Fprintf(w, "tag: %s\ndata: %s\n\n", tag, b)
	return err
}
