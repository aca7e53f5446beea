package main

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
)

func TestConsoleLogLines(t *testing.T) {
	var b bytes.Buffer
	log := newConsoleLogger(&b, "debug")
	log.Error("Command 'exit' failed with return code: 3")
	log.Warn("slow", "minion", "web 1", "err", errors.New("boom"))
	log.With("component", "fileclient").WithGroup("req").Info("fetch", "path", "salt://a", slog.Group("g", "n", 2))
	log.Debug("quiet")
	log.Log(nil, slog.LevelError+4, "fatal")
	want := `[ERROR   ] Command 'exit' failed with return code: 3
[WARNING ] slow minion="web 1" err=boom
[INFO    ] fetch component=fileclient req.path=salt://a req.g.n=2
[DEBUG   ] quiet
[CRITICAL] fatal
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	b.Reset()
	log = newConsoleLogger(&b, "warning")
	log.Info("hidden")
	log.Warn("shown")
	if got := b.String(); got != "[WARNING ] shown\n" {
		t.Errorf("a warning level printed %q", got)
	}
}
