package states

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestPEP440Cmp(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", 0},
		{"1.10", "1.9", 1},
		{"1.0a1", "1.0", -1},
		{"1.0.dev1", "1.0a1", -1},
		{"1.0rc1", "1.0b2", 1},
		{"1.0.post1", "1.0", 1},
		{"1!0.1", "2.0", 1},
		{"2.0", "2.0+local", -1},
	} {
		if got := pep440Cmp(c.a, c.b); got != c.want {
			t.Errorf("pep440Cmp(%q, %q) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestPipParseReq(t *testing.T) {
	for _, c := range []struct {
		pkg, prefix string
		spec        [][2]string
		comment     string
	}{
		{pkg: "django >= 1.6, <= 1.7", prefix: "django", spec: [][2]string{{">=", "1.6"}, {"<=", "1.7"}}},
		{pkg: "requests[security]==2.0", prefix: "requests", spec: [][2]string{{"==", "2.0"}}},
		{pkg: "zope_interface", prefix: "zope-interface"},
		{pkg: "foo=1.0", comment: "Invalid version specification in package foo=1.0. '=' is not supported, use '==' instead."},
	} {
		prefix, spec, comment, _ := pipParseReq(c.pkg)
		if prefix != c.prefix || comment != c.comment || len(spec) != len(c.spec) {
			t.Errorf("pipParseReq(%q) = %q %v %q; want %q %v %q", c.pkg, prefix, spec, comment, c.prefix, c.spec, c.comment)
			continue
		}
		for i := range spec {
			if spec[i] != c.spec[i] {
				t.Errorf("pipParseReq(%q) spec = %v; want %v", c.pkg, spec, c.spec)
			}
		}
	}
}

// pipTestWheel writes a minimal pure-Python wheel of name and version into
// dir, a local "index" for --find-links.
func pipTestWheel(t *testing.T, dir, name, version string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name+"-"+version+"-py3-none-any.whl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z := zip.NewWriter(f)
	info := name + "-" + version + ".dist-info/"
	files := [][2]string{
		{name + "/__init__.py", "VERSION = '" + version + "'\n"},
		{info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: brine-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	record := ""
	for _, fl := range files {
		w, err := z.Create(fl[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(fl[1]))
		record += fl[0] + ",,\n"
	}
	w, _ := z.Create(info + "RECORD")
	w.Write([]byte(record + info + "RECORD,,\n"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
}

// pipTestVenv makes a virtualenv with pip (python3 -m venv, offline).
func pipTestVenv(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("python3", "-m", "venv", venv).CombinedOutput(); err != nil {
		t.Skipf("python3 -m venv: %v: %s", err, out)
	}
	return venv
}
