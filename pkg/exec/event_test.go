package exec

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// TestEventSend: event.send's data as Salt's builds it: the grains and
// pillar asked for, the keyword arguments, data over them all.
func TestEventSend(t *testing.T) {
	h := testHost(t)
	// No master (brine call --local): nothing sent, False, as Salt's.
	if ret := callWords(t, h, "event.send", "my/tag"); ret.Value != false || ret.Retcode != 0 {
		t.Errorf("event.send with no master = %#v (%d); want False", ret.Value, ret.Retcode)
	}
	var tag string
	var got map[string]any
	h.SendEvent = func(_ context.Context, tg string, b []byte) error {
		tag = tg
		got = nil
		return json.Unmarshal(b, &got)
	}
	tests := []struct {
		words []string
		want  map[string]any
	}{
		{[]string{"my/tag", "data={a: 1}", "b=2"}, map[string]any{"a": 1.0, "b": 2.0}},
		{[]string{"my/tag", "data={a: 1}", "a=2"}, map[string]any{"a": 1.0}},
		{[]string{"my/tag", "with_grains=[os, nope]"}, map[string]any{"grains": map[string]any{"os": "Debian"}}},
		{[]string{"my/tag", "with_pillar=True"}, map[string]any{"pillar": map[string]any{"users": map[string]any{"alice": map[string]any{"uid": 1000.0}}}}},
		{[]string{"my/tag", "with_env_opts=True"}, map[string]any{"saltenv": "base", "pillarenv": nil}},
	}
	for _, tt := range tests {
		ret := callWords(t, h, "event.send", tt.words...)
		if ret.Value != true || tag != "my/tag" || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("event.send %q = %#v: sent %s %#v; want %#v", tt.words, ret.Value, tag, got, tt.want)
		}
	}
}
