package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// debconfFake is debconf's files in a folder, and a debconf-set-selections
// that writes its answers there.
func debconfFake(t *testing.T) (debconfHost, *[][]string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "templates.dat"), []byte("Name: tzdata/Areas\nType: select\nChoices: Africa, Europe\n\nName: app/enabled\nType: boolean\n\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "config.dat"), []byte("Name: tzdata/Areas\nTemplate: tzdata/Areas\nValue: Etc\nOwners: tzdata\nFlags: seen\n\n"), 0o644)
	var ran [][]string
	return debconfHost{dir: dir, run: func(_ context.Context, _ []string, argv ...string) ([]byte, error) {
		ran = append(ran, argv)
		sel, err := os.ReadFile(argv[1])
		if err != nil {
			return nil, err
		}
		f, _ := os.OpenFile(filepath.Join(dir, "config.dat"), os.O_APPEND|os.O_WRONLY, 0o644)
		defer f.Close()
		for _, l := range strings.Split(strings.TrimSpace(string(sel)), "\n") {
			p := strings.SplitN(l, " ", 4)
			f.WriteString("Name: " + p[1] + "\nTemplate: " + p[1] + "\nValue: " + p[3] + "\nOwners: " + p[0] + "\n\n")
		}
		return nil, nil
	}}, &ran
}

func TestDebconfSet(t *testing.T) {
	host, ran := debconfFake(t)
	call := func(data map[string]any, test bool) Result {
		return debconfSetOn(context.Background(), &Request{ID: "tz", Name: "tzdata", Func: "debconf.set", Args: NewArgs(map[string]any{"data": data}), Test: test}, host)
	}
	data := map[string]any{
		"tzdata/Areas": map[string]any{"type": "select", "value": "Europe"},
		"app/enabled":  map[string]any{"type": "boolean", "value": true},
	}
	want := map[string]any{"tzdata/Areas": "Europe", "app/enabled": "true"}
	dry := call(data, true)
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || len(*ran) != 0 {
		t.Fatalf("dry run = %v %#v %q, ran %v", dry.Result, dry.Changes, dry.Comment, *ran)
	}
	real := call(data, false)
	if real.Result != True || !reflect.DeepEqual(real.Changes, want) || len(*ran) != 1 {
		t.Fatalf("real run = %v %#v %q, ran %v", real.Result, real.Changes, real.Comment, *ran)
	}
	again := call(data, false)
	if again.Result != True || len(again.Changes) != 0 || again.Comment != "All specified answers are already set" {
		t.Errorf("rerun = %v %#v %q", again.Result, again.Changes, again.Comment)
	}
	data["tzdata/Zones/Europe"] = map[string]any{"type": "select", "value": "Paris"}
	r := call(data, true)
	if r.Comment != "Unchanged answers: app/enabled tzdata/Areas " || !reflect.DeepEqual(r.Changes, map[string]any{"tzdata/Zones/Europe": "Paris"}) {
		t.Errorf("one new answer = %v %#v %q", r.Result, r.Changes, r.Comment)
	}
	pw := call(map[string]any{"app/password": map[string]any{"type": "password", "value": "s3cret"}}, false)
	if pw.Changes["app/password"] != "(password hidden)" {
		t.Errorf("password = %#v", pw.Changes)
	}
	for _, bad := range []map[string]any{
		{"q": "just a value"},
		{"q": map[string]any{"value": "x"}},
		{"q": map[string]any{"type": "boolean", "value": "maybe"}},
	} {
		if r := call(bad, true); r.Result != False || !strings.Contains(r.Comment, `argument "data"`) {
			t.Errorf("%v = %v %q", bad, r.Result, r.Comment)
		}
	}
}
