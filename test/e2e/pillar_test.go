package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/harness"
)

// The master's pillar options steer the pillar a minion gets, as Salt's
// master options do: pillar_merge_lists joins the lists two pillar
// files give one key; pillar_source_merging_strategy overwrite replaces
// a top-level key whole; pillar_includes_override_sls lets an included
// file's data win; ext_pillar's commands give data over the SLS files'
// (under it with ext_pillar_first); pillarenv reads one environment alone
// (pillar_roots' __env__ serving it). A run's
// pillar= is merged in by the master with its strategy, as Salt's
// compile_pillar merges pillar_override (first and last: its list items
// come first).
func TestPillarMasterOptions(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want, overridden, shown string
	}{
		{"defaults", "", `{"pkgs":["curl"],"shared":"all","users":{"alice":1,"bob":2,"dave":4}}`,
			`{"pkgs":["git"],"shared":"all","users":{"alice":1,"bob":2,"carol":3,"dave":4}}`, "git/alice,bob,carol,dave"},
		{"pillar_merge_lists", "pillar_merge_lists: true\n", `{"pkgs":["vim","curl"],"shared":"all","users":{"alice":1,"bob":2,"dave":4}}`,
			`{"pkgs":["git","vim","curl"],"shared":"all","users":{"alice":1,"bob":2,"carol":3,"dave":4}}`, "git,vim,curl/alice,bob,carol,dave"},
		{"pillar_includes_override_sls", "pillar_includes_override_sls: true\n", `{"pkgs":["curl"],"shared":"all","users":{"alice":1,"bob":0,"dave":4}}`,
			`{"pkgs":["git"],"shared":"all","users":{"alice":1,"bob":0,"carol":3,"dave":4}}`, "git/alice,bob,carol,dave"},
		{"overwrite", "pillar_source_merging_strategy: overwrite\n", `{"pkgs":["curl"],"shared":"all","users":{"bob":2}}`,
			`{"pkgs":["git"],"shared":"all","users":{"carol":3}}`, "git/carol"},
		{"ext_pillar", "ext_pillar: [{cmd_yaml: \"echo 'ext_id: %s'; echo 'pkgs: [ext]'\"}]\n", `{"ext_id":"m1","pkgs":["ext"],"shared":"all","users":{"alice":1,"bob":2,"dave":4}}`,
			`{"ext_id":"m1","pkgs":["git"],"shared":"all","users":{"alice":1,"bob":2,"carol":3,"dave":4}}`, "git/alice,bob,carol,dave"},
		{"ext_pillar_first", "ext_pillar: [{cmd_json: \"echo '{\\\"pkgs\\\": [\\\"ext\\\"], \\\"users\\\": {\\\"zed\\\": 9}}'\"}]\next_pillar_first: true\n", `{"pkgs":["curl"],"shared":"all","users":{"alice":1,"bob":2,"dave":4,"zed":9}}`,
			`{"pkgs":["git"],"shared":"all","users":{"alice":1,"bob":2,"carol":3,"dave":4,"zed":9}}`, "git/alice,bob,carol,dave,zed"},
		{"env_any", "pillar_roots: {base: [$DIR/pillar], __env__: [$DIR/pillar-__env__]}\npillarenv: dev\n", `{"dev":true}`,
			`{"dev":true,"pkgs":["git"],"users":{"carol":3}}`, "git/carol"},
		{"pillarenv", "pillar_roots: {base: [$DIR/pillar], dev: [$DIR/pillar-dev]}\npillarenv: dev\n", `{"dev":true}`,
			`{"dev":true,"pkgs":["git"],"users":{"carol":3}}`, "git/carol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.extra)
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "common.sls"), "shared: all\nusers: {alice: 1}\npkgs: [vim]\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "m1.sls"), "include: [inc]\nusers: {bob: 2}\npkgs: [curl]\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "inc.sls"), "users: {bob: 0, dave: 4}\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "top.sls"), "dev:\n  '*':\n    - dev\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "dev.sls"), "dev: true\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "srv", "show.sls"), "show:\n  test.succeed_without_changes:\n    - name: \"{{ pillar.pkgs | join(',') }}/{{ pillar.users | sort | join(',') }}\"\n")
			e.AddMinion("m1", "role: web", "")
			e.AcceptAll("m1")
			out, errOut, code := e.Brine("m1", "pillar.items", "--out", "json", "-t", "30")
			if code != 0 {
				t.Fatalf("pillar.items: exit %d\n%s%s", code, out, errOut)
			}
			got, _ := json.Marshal(jsonBlocks(t, out)["m1"])
			if string(got) != tc.want {
				t.Errorf("pillar.items = %s; want %s", got, tc.want)
			}
			out, errOut, code = e.Brine("m1", "pillar.items", `pillar={"users": {"carol": 3}, "pkgs": [git]}`, "--out", "json", "-t", "30")
			if code != 0 {
				t.Fatalf("pillar.items pillar=: exit %d\n%s%s", code, out, errOut)
			}
			got, _ = json.Marshal(jsonBlocks(t, out)["m1"])
			if string(got) != tc.overridden {
				t.Errorf("pillar.items pillar= = %s; want %s", got, tc.overridden)
			}
			out, errOut, code = e.Brine("m1", "state.apply", "show", `pillar={"users": {"carol": 3}, "pkgs": [git]}`, "--out", "json", "-t", "30")
			if want := "show_|-" + tc.shown + "_|-"; code != 0 || !strings.Contains(out, want) {
				t.Errorf("state.apply show pillar=: exit %d; want %s in the name\n%s%s", code, want, out, errOut)
			}
		})
	}
}

// A job's pillarenv= makes the master read that pillar environment alone
// for the job's pillar, as Salt's pillar.items(pillarenv=) and
// state.apply(pillarenv=) do; with pillarenv_from_saltenv the job's
// saltenv= names it; the minion's pillarenv option is its default.
func TestPillarenvPerJob(t *testing.T) {
	e := newEnv(t, "pillar_roots: {base: [$DIR/pillar], dev: [$DIR/pillar-dev]}\npillarenv_from_saltenv: true\nfile_roots: {base: [$DIR/srv], dev: [$DIR/srv]}\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "top.sls"), "dev:\n  '*':\n    - dev\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "dev.sls"), "dev: true\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "show.sls"), "show:\n  test.succeed_without_changes:\n    - name: \"{{ pillar | tojson | replace('\\\"', '') }}\"\n")
	e.AddMinion("m1", "role: web", "")
	e.AddMinion("m2", "role: web", "pillarenv: dev\n")
	e.AcceptAll("m1", "m2")
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string
	}{
		{"every environment", []string{"pillar.items"}, map[string]string{"m1": `{"dev":true,"secret":"m1-only","shared":"all"}`, "m2": `{"dev":true}`}},
		{"pillarenv=base", []string{"pillar.items", "pillarenv=base"}, map[string]string{"m1": `{"secret":"m1-only","shared":"all"}`, "m2": `{"shared":"all"}`}},
		{"pillarenv=dev", []string{"pillar.get", "shared", "pillarenv=dev"}, map[string]string{"m1": `""`, "m2": `""`}},
		{"saltenv=dev", []string{"pillar.items", "saltenv=dev"}, map[string]string{"m1": `{"dev":true}`, "m2": `{"dev":true}`}},
	} {
		out, errOut, code := e.Brine(append([]string{"m*"}, append(tc.args, "--out", "json", "-t", "30")...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, code, out, errOut)
		}
		got := jsonBlocks(t, out)
		for id, want := range tc.want {
			if b, _ := json.Marshal(got[id]); string(b) != want {
				t.Errorf("%s: %s = %s; want %s", tc.name, id, b, want)
			}
		}
	}
	out, errOut, code := e.Brine("m1", "state.apply", "show", "pillarenv=dev", "--out", "json", "-t", "30")
	if code != 0 || !strings.Contains(out, `show_|-{dev: true}_|-`) {
		t.Errorf("state.apply show pillarenv=dev: exit %d; want the dev pillar in the name\n%s%s", code, out, errOut)
	}
}

// A pillar file rendered with gpg (#!yaml|gpg) has its PGP messages
// decrypted by the master with the keys of gpg_keydir, as Salt's gpg
// renderer, and so do the decrypt_pillar keys of any file: the minion
// gets the clear value.
func TestPillarGPGThroughMaster(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("no gpg")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "gpgkeys")
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
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	gpg("", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "brine e2e <e2e@example.org>", "future-default", "default", "never")
	msg := gpg("hunter2", "--trust-model", "always", "--armor", "--encrypt", "-r", "e2e@example.org")
	e := newEnv(t, "gpg_keydir: "+home+"\ndecrypt_pillar: ['vault:pw']\n")
	block := strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n    ")
	harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "m1.sls"), "#!yaml|gpg\nsecret: |\n  "+strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n  ")+"\n")
	// No gpg in this file's pipe: decrypt_pillar decrypts its key.
	harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "common.sls"), "vault:\n  pw: |\n    "+block+"\n")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, errOut, code := e.Brine("m1", "pillar.get", "secret", "--out", "json", "-t", "30")
	if code != 0 || jsonBlocks(t, out)["m1"] != "hunter2" {
		t.Errorf("pillar.get secret: exit %d; want hunter2\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.Brine("m1", "pillar.get", "vault:pw", "--out", "json", "-t", "30")
	if code != 0 || jsonBlocks(t, out)["m1"] != "hunter2" {
		t.Errorf("pillar.get vault:pw (decrypt_pillar): exit %d; want hunter2\n%s%s", code, out, errOut)
	}
}

// Salt's pillar_safe_render_error: by default a pillar SLS that fails to
// render is named alone under _errors; false shows its render error.
func TestPillarSafeRenderError(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{"", "Rendering SLS 'm1' failed. Please see master log for details."},
		{"pillar_safe_render_error: false\n", "Rendering SLS 'm1' failed, render error:\n"},
	} {
		e := newEnv(t, tc.extra)
		harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "m1.sls"), "x: {{ nosuch.attr }}\n")
		e.AddMinion("m1", "role: web", "")
		e.AcceptAll("m1")
		out, errOut, code := e.Brine("m1", "pillar.items", "--out", "json", "-t", "30")
		if code != 0 {
			t.Fatalf("pillar.items: exit %d\n%s%s", code, out, errOut)
		}
		p, _ := jsonBlocks(t, out)["m1"].(map[string]any)
		errs, _ := p["_errors"].([]any)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].(string), tc.want) || (tc.extra != "" && !strings.Contains(errs[0].(string), "nosuch")) {
			t.Errorf("%q: _errors = %q; want %q…", tc.extra, errs, tc.want)
		}
	}
}
