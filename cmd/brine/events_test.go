package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestPrintEvent: an event as salt-run state.event prints it, on one line
// with Python's separators or indented by four, keys sorted, big numbers
// whole, and nothing a minion sent able to reach the terminal raw.
func TestPrintEvent(t *testing.T) {
	e := proto.Event{Tag: "minion/web1/app/deployed", Stamp: time.Date(2026, 12, 6, 6, 0, 0, 123456000, time.UTC),
		Data: json.RawMessage(`{"jid": 20261206060000123456, "id": "web1", "data": {"url": "a<b>&c", "msg": "x\u001b[2Jy"}}`)}
	var b strings.Builder
	if err := printEvent(&b, e, false); err != nil {
		t.Fatal(err)
	}
	want := `minion/web1/app/deployed	{"_stamp": "2026-12-06T06:00:00.123456", "data": {"msg": "x\u001b[2Jy", "url": "a<b>&c"}, "id": "web1", "jid": 20261206060000123456}` + "\n"
	if b.String() != want {
		t.Errorf("one line:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := printEvent(&b, e, true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "minion/web1/app/deployed\t{\n    \"_stamp\": \"2026-12-06T06:00:00.123456\",\n    \"data\": {\n        \"msg\"") {
		t.Errorf("pretty:\n%s", b.String())
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("an escape reached the terminal: %q", b.String())
	}
}
