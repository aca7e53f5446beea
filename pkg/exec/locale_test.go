package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// localectl status as Salt's _localectl_status reads it.
func TestParseLocalectl(t *testing.T) {
	out := "   System Locale: LANG=en_US.UTF-8\n                  LC_TIME=de_DE.UTF-8\n       VC Keymap: n/a\n      X11 Layout: us\n"
	want := map[string]map[string]any{
		"system_locale": {"LANG": "en_US.UTF-8", "LC_TIME": "de_DE.UTF-8"},
		"vc_keymap":     {"data": nil},
		"x11_layout":    {"data": "us"},
	}
	if got := parseLocalectl(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseLocalectl = %#v; want %#v", got, want)
	}
}

// Without systemd (always under --root) get_locale reads the family's
// file's LANG line, "" when there is none.
func TestLocaleGetLocale(t *testing.T) {
	tests := []struct {
		family, file, body string
		want               any
	}{
		{"Debian", "/etc/default/locale", "# x\nLANG=\"de_DE.UTF-8\"\nLANGUAGE=de\n", "de_DE.UTF-8"},
		{"Debian", "/etc/default/locale", "LC_ALL=C\n", ""},
		{"Debian", "", "", ""},
		{"RedHat", "/etc/sysconfig/i18n", "LANG=en_GB.UTF-8\n", "en_GB.UTF-8"},
		{"Suse", "/etc/sysconfig/language", "RC_LANG=\"fr_FR.UTF-8\"\n", "fr_FR.UTF-8"},
		{"Arch", "", "", `ERROR: Error: "rolling" is unsupported!`},
	}
	for _, tt := range tests {
		h := testHost(t)
		h.Grains = map[string]any{"os_family": tt.family, "oscodename": "rolling"}
		if tt.file != "" {
			p := filepath.Join(h.Root, tt.file)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(tt.body), 0o644)
		}
		if r := Call(context.Background(), h, "locale.get_locale", nil, nil); r.Value != tt.want {
			t.Errorf("%s %q: locale.get_locale = %#v; want %#v", tt.family, tt.body, r.Value, tt.want)
		}
	}
}
