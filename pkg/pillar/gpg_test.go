package pillar

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/top"
)

// gpgHome makes a GnuPG home with one key pair, and returns it with a
// function that encrypts to that key (armored). The test is skipped
// without gpg.
func gpgHome(t *testing.T) (string, func(string) string) {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("no gpg")
	}
	home := t.TempDir()
	t.Cleanup(func() { _ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run() })
	gpg := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--no-tty"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return string(out)
	}
	gpg("", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "brine test <pillar@example.org>", "future-default", "default", "never")
	return home, func(plain string) string {
		return gpg(plain, "--trust-model", "always", "--armor", "--encrypt", "-r", "pillar@example.org")
	}
}

// indent puts a block scalar's lines under a key.
func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+by) + "\n"
}

// Salt's gpg renderer (#!yaml|gpg) on pillar: each PGP message in a
// string value, at any depth, is replaced by what it decrypts to; a
// block scalar's trailing newline goes; a one-line message with literal
// \n decrypts too; a message that does not decrypt stays (logged), or
// fails the SLS with gpg_decrypt_must_succeed; a file without gpg in its
// pipe is not decrypted.
func TestGPGPillar(t *testing.T) {
	home, encrypt := gpgHome(t)
	msg := encrypt("s3cret")
	oneLine := strings.ReplaceAll(strings.TrimRight(encrypt("one line"), "\n"), "\n", `\n`)
	bad := "-----BEGIN PGP MESSAGE-----\n\nbm90IGEgbWVzc2FnZQ==\n-----END PGP MESSAGE-----"
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - secrets\n",
		"secrets.sls": "#!yaml|gpg\n" +
			"db:\n  password: |\n" + indent(msg, "    ") +
			"  inline: \"" + oneLine + "\"\n" +
			"  list:\n    - plain\n    - |\n" + indent(msg, "      ") +
			"  bad: |\n" + indent(bad, "    ") +
			"  port: 5432\n",
		"clear.sls": "#!yaml\nraw: |\n" + indent(msg, "  "),
	})
	files := &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}
	c := &Compiler{Files: files, GPG: &GPG{KeyDir: home}}
	got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "m1"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("CompileAll: %v %v", err, errs)
	}
	b, _ := json.Marshal(got)
	want := `{"db":{"password":"s3cret","inline":"one line","list":["plain","s3cret"],"bad":` + jsonString(bad) + `,"port":5432}}`
	if string(b) != want {
		t.Errorf("pillar = %s\nwant %s", b, want)
	}

	c.GPG.MustSucceed = true
	got, errs, err = c.CompileAll(context.Background(), top.Minion{ID: "m1"})
	if err != nil || len(errs) != 1 {
		t.Fatalf("must succeed: %v %v", err, errs)
	}
	if m := errs[0].Message(false); m != "Rendering SLS 'secrets' failed. Please see master log for details." {
		t.Errorf("must succeed: _errors = %q", m)
	}
	if !strings.Contains(errs[0].Message(true), "Could not decrypt cipher") {
		t.Errorf("must succeed: the error = %q; want Salt's Could not decrypt cipher", errs[0].Message(true))
	}

	// No gpg in the pipe: the message is data as it is.
	dir2 := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - clear\n", "clear.sls": "#!yaml\nraw: |\n" + indent(msg, "  ")})
	c = &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir2}}, Env: "base"}, GPG: &GPG{KeyDir: home}}
	got, errs, err = c.CompileAll(context.Background(), top.Minion{ID: "m1"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("clear: %v %v", err, errs)
	}
	if v, _ := got.Get("raw"); v != msg {
		t.Errorf("clear: raw = %q; want the message as written", v)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Salt's decrypt_pillar: the keys named are decrypted once the pillar
// is compiled, whatever their files' renderers; a key the pillar lacks
// is passed over; a renderer other than gpg is Salt's error under
// _errors.
func TestDecryptPillar(t *testing.T) {
	home, encrypt := gpgHome(t)
	msg := encrypt("s3cret")
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - secrets\n",
		"secrets.sls": "secrets:\n  vault:\n    foo: |\n" + indent(msg, "      ") + "    bar: [plain, \"" + strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", `\n`) + "\"]\n" +
			"  other: |\n" + indent(msg, "    ") +
			"pw: |\n" + indent(msg, "  ") +
			"left: |\n" + indent(msg, "  "),
	})
	keys, err := ParseDecryptPillar([]any{map[string]any{"secrets:vault": "gpg"}, "pw", "missing:key", map[string]any{"secrets:other": "foo"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}, GPG: &GPG{KeyDir: home}, DecryptPillar: keys}
	got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Message(false) != "Failed to decrypt pillar key 'secrets:other': 'foo' is not a valid decryption renderer. Valid choices are: gpg" {
		t.Errorf("_errors = %v", errs)
	}
	b, _ := json.Marshal(got)
	want := `{"secrets":{"vault":{"foo":"s3cret","bar":["plain","s3cret"]},"other":` + jsonString(msg) + `},"pw":"s3cret","left":` + jsonString(msg) + `}`
	if string(b) != want {
		t.Errorf("pillar = %s\nwant %s", b, want)
	}
	if _, err := ParseDecryptPillar("pw"); err == nil {
		t.Error("ParseDecryptPillar(a string): no error")
	}
}
