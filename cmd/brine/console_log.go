package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
)

// consoleHandler writes the log lines of the interactive commands (call,
// run, ssh) as Salt's CLIs write theirs on a console: `[LEVEL   ] message`,
// Salt's default log_fmt_console, so `[ERROR   ] Command 'exit' failed with
// return code: 3` reads as it does under salt-call. The record's
// attributes follow the message as key=value, as slog's text handler
// writes them. The daemons keep slog's text handler: their lines go to a
// journal, where a time and key=value fields are what tools read.
type consoleHandler struct {
	mu    *sync.Mutex // shared by the handlers derived with WithAttrs/WithGroup
	w     io.Writer
	level slog.Leveler
	attrs []byte // pre-formatted " key=value" of WithAttrs, groups applied
	group string // the open groups' prefix, "a.b."
}

func newConsoleHandler(w io.Writer, level slog.Leveler) *consoleHandler {
	return &consoleHandler{mu: new(sync.Mutex), w: w, level: level}
}

func (h *consoleHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

// saltLevel names a level as Python's logging does, the names Salt prints.
func saltLevel(l slog.Level) string {
	switch {
	case l >= slog.LevelError+4:
		return "CRITICAL"
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}

func (h *consoleHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	name := saltLevel(r.Level)
	b.WriteByte('[')
	b.WriteString(name)
	for i := len(name); i < 8; i++ {
		b.WriteByte(' ')
	}
	b.WriteString("] ")
	b.WriteString(r.Message)
	b.Write(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.group, a)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b.Bytes())
	return err
}

func (h *consoleHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	c := *h
	b := bytes.NewBuffer(append([]byte(nil), h.attrs...))
	for _, a := range as {
		appendAttr(b, h.group, a)
	}
	c.attrs = b.Bytes()
	return &c
}

func (h *consoleHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

// appendAttr writes " key=value" with slog's text handler's quoting, an
// attribute of a group as group.key, and nothing for an empty attribute.
func appendAttr(b *bytes.Buffer, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			appendAttr(b, prefix, g)
		}
		return
	}
	// slog's own text handler formats one attribute exactly as its key=value
	// lines do (quoting, times, errors); it writes "key=value\n".
	var one bytes.Buffer
	t := slog.NewTextHandler(&one, &slog.HandlerOptions{ReplaceAttr: dropBuiltins})
	rec := slog.Record{}
	rec.AddAttrs(slog.Attr{Key: prefix + a.Key, Value: a.Value})
	if err := t.Handle(context.Background(), rec); err != nil {
		return
	}
	b.WriteByte(' ')
	b.Write(bytes.TrimSuffix(one.Bytes(), []byte("\n")))
}

// dropBuiltins leaves out the text handler's time, level and msg.
func dropBuiltins(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
		return slog.Attr{}
	}
	return a
}
