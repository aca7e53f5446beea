package exec

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
)

// fakeMine records what mine.send sent, as a master's mine would keep it.
type fakeMine struct {
	sent map[string]any
	acl  map[string][2]string
}

func (f *fakeMine) Get(context.Context, string, []string, bool, string) (map[string]any, error) {
	return f.sent, nil
}
func (f *fakeMine) Update(context.Context, bool) (map[string]any, error) { return nil, nil }
func (f *fakeMine) Delete(context.Context, string) error                 { return nil }
func (f *fakeMine) Flush(context.Context) error                          { return nil }
func (f *fakeMine) Valid(context.Context) (map[string]any, error)        { return nil, nil }
func (f *fakeMine) Send(_ context.Context, name string, v any, allowTgt, allowTgtType string) error {
	if f.sent == nil {
		f.sent, f.acl = map[string]any{}, map[string][2]string{}
	}
	f.sent[name] = v
	f.acl[name] = [2]string{allowTgt, allowTgtType}
	return nil
}

// Salt's mine.send (salt/modules/mine.py send): runs mine_function (or
// name) with the other arguments, stores the value under name, and
// answers True; a function that raises gives False and sends nothing.
func TestMineSend(t *testing.T) {
	tests := []struct {
		name    string
		words   []string
		want    any
		sent    map[string]any
		acl     [2]string
		aclName string
	}{
		{"function", []string{"test.echo", "hi"}, true, map[string]any{"test.echo": "hi"}, [2]string{}, "test.echo"},
		{"alias", []string{"greeting", "mine_function=test.echo", "hello"}, true, map[string]any{"greeting": "hello"}, [2]string{}, "greeting"},
		{"keywords", []string{"args", "mine_function=test.kwarg", "a=1"}, true, map[string]any{"args": map[string]any{"a": 1}}, [2]string{}, "args"},
		{"acl", []string{"grains.get", "os", "allow_tgt=web*", "allow_tgt_type=glob"}, true, map[string]any{"grains.get": "Debian"}, [2]string{"web*", "glob"}, "grains.get"},
		{"raises", []string{"test.exception"}, false, nil, [2]string{}, ""},
		{"no such function", []string{"nosuch.fun"}, false, nil, [2]string{}, ""},
		{"a mine function", []string{"x", "mine_function=mine.update"}, false, nil, [2]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHost(t)
			h.Log = slog.New(slog.DiscardHandler)
			fm := &fakeMine{}
			h.Mine = fm
			r := callWords(t, h, "mine.send", tt.words...)
			if r.Retcode != 0 || !reflect.DeepEqual(r.Value, tt.want) {
				t.Fatalf("mine.send %v = %#v (retcode %d); want %#v", tt.words, r.Value, r.Retcode, tt.want)
			}
			if !reflect.DeepEqual(fm.sent, tt.sent) {
				t.Errorf("sent %#v; want %#v", fm.sent, tt.sent)
			}
			if tt.aclName != "" && fm.acl[tt.aclName] != tt.acl {
				t.Errorf("acl %v; want %v", fm.acl[tt.aclName], tt.acl)
			}
		})
	}
}

// With no master (brine call --local), mine.send keeps the value, and a
// later mine.get answers with it, as Salt's masterless mine_cache.
func TestMineSendLocal(t *testing.T) {
	h := testHost(t)
	h.Log = slog.New(slog.DiscardHandler)
	if r := callWords(t, h, "mine.send", "peer_ip", "mine_function=test.echo", "10.1.2.3"); r.Value != true {
		t.Fatalf("mine.send = %#v; want true", r.Value)
	}
	r := callWords(t, h, "mine.get", "*", "peer_ip")
	if want := map[string]any{"m1": "10.1.2.3"}; !reflect.DeepEqual(r.Value, want) {
		t.Errorf("mine.get = %#v; want %#v", r.Value, want)
	}
	r = callWords(t, h, "mine.get", "other", "peer_ip")
	if want := map[string]any{}; !reflect.DeepEqual(r.Value, want) {
		t.Errorf("mine.get on another target = %#v; want %#v", r.Value, want)
	}
}

// Salt 3006's mine.get exclude_minion: through a master, this minion's
// own key is left out (`del ret[id]`); an answer keyed by function is
// kept whole; without a master it is ignored.
func TestMineGetExcludeMinion(t *testing.T) {
	h := testHost(t)
	h.Log = slog.New(slog.DiscardHandler)
	fm := &fakeMine{sent: map[string]any{"m1": "own", "m2": "peer"}}
	h.Mine = fm
	tests := []struct {
		words []string
		want  any
	}{
		{[]string{"*", "x"}, map[string]any{"m1": "own", "m2": "peer"}},
		{[]string{"*", "x", "exclude_minion=True"}, map[string]any{"m2": "peer"}},
	}
	for _, tt := range tests {
		r := callWords(t, h, "mine.get", tt.words...)
		if r.Retcode != 0 || !reflect.DeepEqual(r.Value, tt.want) {
			t.Errorf("mine.get %v = %#v; want %#v", tt.words, r.Value, tt.want)
		}
	}
	// The mine's own answer is not changed (the minion keeps it for
	// the job).
	if len(fm.sent) != 2 {
		t.Errorf("exclude_minion changed the mine's answer: %v", fm.sent)
	}
	got, err := MineGet(context.Background(), h, "*", "x", "glob", true)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"m2": "peer"}) {
		t.Errorf("MineGet exclude = %#v, %v", got, err)
	}
	// Masterless: ignored.
	h.Mine = nil
	h.local().set("x", "own-local")
	got, err = MineGet(context.Background(), h, "*", "x", "glob", true)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"m1": "own-local"}) {
		t.Errorf("masterless MineGet exclude = %#v, %v", got, err)
	}
}
