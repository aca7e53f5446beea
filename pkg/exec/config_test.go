package exec

import (
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// config.get and config.option as execution functions: the stores in
// Salt's order (options, grains, pillar, pillar['master'], defaults).
func TestConfigFunctions(t *testing.T) {
	h := &Host{ID: "m1", Grains: map[string]any{"os": "Debian", "ipv4": []any{"10.0.0.1"}},
		Pillar: odict.From(map[string]any{"os": "fromPillar", "app": map[string]any{"port": 80}, "master": map[string]any{"mk": "mv"}}),
		Opts:   map[string]any{"custom": "o"}}
	for _, tt := range []struct {
		fun   string
		words []string
		want  any
	}{
		{"config.get", []string{"os"}, "Debian"},
		{"config.get", []string{"os", "omit_grains=True"}, "fromPillar"},
		{"config.get", []string{"app:port"}, 80},
		{"config.get", []string{"app/port", "delimiter=/"}, 80},
		{"config.get", []string{"mk"}, "mv"},
		{"config.get", []string{"id"}, "m1"},
		{"config.get", []string{"custom"}, "o"},
		{"config.get", []string{"nope", "default=x"}, "x"},
		{"config.get", []string{"redis.port"}, 6379},
		{"config.option", []string{"app:port"}, ""},
		{"config.option", []string{"redis.host", "omit_all=True"}, "salt"},
		{"config.option", []string{"mongo.p*", "wildcard=True"}, map[string]any{"mongo.password": "", "mongo.port": 27017}},
	} {
		ret := callWords(t, h, tt.fun, tt.words...)
		if ret.Retcode != 0 || !reflect.DeepEqual(ret.Value, tt.want) {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
}

// match.* as execution functions; match.nodegroup reads the nodegroups
// of the host's options (the minion config's).
func TestMatchFunctions(t *testing.T) {
	h := &Host{ID: "web1.example.org", Grains: map[string]any{"os": "Debian"},
		Opts: map[string]any{"nodegroups": map[string]any{"web": "G@os:Debian and web*", "db": "db*"}}}
	for _, tt := range []struct {
		fun   string
		words []string
		want  any
	}{
		{"match.nodegroup", []string{"web"}, true},
		{"match.nodegroup", []string{"db"}, false},
		{"match.nodegroup", []string{"nope"}, false},
		{"match.glob", []string{"web*.example.org"}, true},
		{"match.glob", []string{"db*", "minion_id=db1"}, true},
		{"match.grain", []string{"os:Deb*"}, true},
		{"match.compound", []string{"G@os:RedHat or web1*"}, true},
	} {
		ret := callWords(t, h, tt.fun, tt.words...)
		if ret.Retcode != 0 || ret.Value != tt.want {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
}

// TestGrainsFilterByHasValue: the template functions, callable as Salt's
// grains module has them (testHost's os grain is Debian, os_family unset).
func TestGrainsFilterByHasValue(t *testing.T) {
	h := testHost(t)
	h.Grains["os_family"] = "Debian"
	tests := []struct {
		fun   string
		words []string
		want  any
	}{
		{"grains.filter_by", []string{"{Debian: {pkg: apache2}, RedHat: {pkg: httpd}}"}, map[string]any{"pkg": "apache2"}},
		{"grains.filter_by", []string{"{Debi*: {pkg: apache2}}", "grain=os"}, map[string]any{"pkg": "apache2"}},
		{"grains.filter_by", []string{"{RedHat: {pkg: httpd}}"}, nil},
		{"grains.filter_by", []string{"{RedHat: {pkg: httpd}, default: {pkg: www}}"}, map[string]any{"pkg": "www"}},
		{"grains.has_value", []string{"os"}, true},
		{"grains.has_value", []string{"nope"}, false},
		{"test.provider", []string{"pkg"}, "aptpkg"},
		{"file.normpath", []string{"/a/./b/../c//d"}, "/a/c/d"},
		{"environ.get", []string{"BRINE_NO_SUCH_VARIABLE", "default=d"}, "d"},
		{"hashutil.digest", []string{"get salted"}, "2aacf29e92feaf528fb738bcf9d647ac"},
		{"hashutil.sha256_digest", []string{"a"}, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
		{"hashutil.base64_b64encode", []string{"hello"}, "aGVsbG8="},
		{"hashutil.base64_b64decode", []string{"instr=aGVsbG8="}, "hello"}, // a word ending in = is a keyword, as in Salt
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		got := ret.Value
		if m, ok := got.(interface{ PlainMap() map[string]any }); ok {
			got = m.PlainMap()
		}
		if !reflect.DeepEqual(got, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
}
