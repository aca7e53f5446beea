package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file.readdir lists a directory under the root as Salt does ("." and
// ".." first), which formulas use to include every SLS file of a
// directory; hashutil's values are Python's hashlib, base64 and hmac.
func TestMoreFuncs(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"srv/salt/roles/10-base.sls", "srv/salt/roles/20-web.sls", "srv/salt/roles/init.sls"} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := SaltContext{Root: root}
	tests := []struct{ expr, want string }{
		{"salt['file.readdir']('/srv/salt/roles')", "['.', '..', '10-base.sls', '20-web.sls', 'init.sls']"},
		{"salt['file.readdir']('/srv/salt/roles') | reject('in', ['.', '..', 'init.sls']) | map('replace', '.sls', '') | join(',')", "10-base,20-web"},
		{"salt['hashutil.digest']('hello')", "5d41402abc4b2a76b9719d911017c592"},
		{"salt['hashutil.digest']('hello', checksum='sha256')", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"salt['hashutil.sha256_digest']('hello')", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"salt['hashutil.sha512_digest']('hello')[:16]", "9b71d224bd62f378"},
		{"salt['hashutil.md5_digest']('hello')", "5d41402abc4b2a76b9719d911017c592"},
		{"salt['hashutil.base64_b64encode']('hello')", "aGVsbG8="},
		{"salt['hashutil.base64_b64decode']('aGVsbG8=')", "hello"},
		{"salt['hashutil.base64_encodestring']('x' * 60) | replace('\\n', '|')", "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4|eHh4|"},
		{"salt['hashutil.base64_decodestring'](salt['hashutil.base64_encodestring']('x' * 60)) == 'x' * 60", "True"},
		{"salt['hashutil.hmac_compute']('msg', 'secret')", "/k+cQY9oPwNPavkNHdW4asA1XdljMsWcx0WY0HNhB/Y="},
		{"salt['hashutil.hmac_signature']('msg', 'secret', '/k+cQY9oPwNPavkNHdW4asA1XdljMsWcx0WY0HNhB/Y=')", "True"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
	for expr, want := range map[string]string{
		"salt['file.readdir']('srv/salt')":         "Dir path must be absolute.",
		"salt['file.readdir']('/srv/nope')":        "A valid directory was not specified.",
		"salt['hashutil.digest']('x', 'crc32')":    "Invalid hash type 'crc32'",
		"salt['hashutil.base64_b64decode']('!!!')": "binascii.Error",
	} {
		_, err := Render("t.sls", []byte("{{ "+expr+" }}"), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want one saying %q", expr, err, want)
		}
	}
}
