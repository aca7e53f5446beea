package minion

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(*Config) bool
	}{
		{"defaults", "id: m1\n", "", func(c *Config) bool {
			return c.Master == "nats://127.0.0.1:4222" && c.Saltenv == "base" && c.StartupStates == ""
		}},
		{"startup sls", "id: m1\nstartup_states: sls\nsls_list: [a, b]\n", "", func(c *Config) bool { return len(c.SLSList) == 2 }},
		{"static grains", "id: m1\ngrains: {role: web}\n", "", func(c *Config) bool { return c.Grains["role"] == "web" }},
		{"unknown key named", "id: m1\nmaster_url: x\n", "field master_url not found", nil},
		{"sls without list", "id: m1\nstartup_states: sls\n", "sls needs sls_list", nil},
		{"bad startup", "id: m1\nstartup_states: always\n", `startup_states "always"`, nil},
		{"id with a slash", "id: web/1\n", "minion id", nil},
		{"nodegroups", "id: m1\nnodegroups: {web: 'web*', db: [L@db1, or, db2]}\n", "", func(c *Config) bool { return c.Nodegroups["web"] == "web*" }},
		// Salt reads any top-level key of its minion config that is a
		// mapping with a driver as an sdb profile; other unknown keys
		// stay errors, with their line.
		{"sdb profile", "id: m1\nmysecrets:\n  driver: env\n", "", func(c *Config) bool {
			return c.SDB["mysecrets"]["driver"] == "env" && c.RunOpts()["mysecrets"] != nil
		}},
		{"typo beside an sdb profile", "id: m1\nkv: {driver: yaml, files: [/x]}\nmine_intervall: 5\n", "line 3: field mine_intervall not found", nil},
		{"mapping without a driver", "id: m1\nvault:\n  url: x\n", "field vault not found", nil},
		{"bad nodegroup", "id: m1\nnodegroups: {web: {a: 1}}\n", "nodegroups", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "minion.yaml"), []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig(%q) = %v; want error containing %q", tt.yaml, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%q) = %v", tt.yaml, err)
			}
			if !tt.check(c) {
				t.Errorf("LoadConfig(%q) = %+v", tt.yaml, c)
			}
		})
	}
}

func TestDefaultIDHasNoDots(t *testing.T) {
	if id := DefaultID(); strings.Contains(id, ".") {
		t.Errorf("DefaultID() = %q; want no dots", id)
	}
}

// TestExampleConfigIsDefaults keeps examples/systemd/minion.yaml honest.
func TestExampleConfigIsDefaults(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "examples", "systemd"))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.ID = DefaultID()
	if got, wantS := fmt.Sprintf("%+v", *c), fmt.Sprintf("%+v", want); got != wantS {
		t.Errorf("examples/systemd/minion.yaml:\n got %s\nwant %s", got, wantS)
	}
	b, _ := os.ReadFile(filepath.Join("..", "examples", "systemd", "minion.yaml"))
	for _, f := range reflect.VisibleFields(reflect.TypeOf(Config{})) {
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			// an inline struct (outputconf.Settings): its fields are
			// listed; or not a key (SDB: profiles under any name)
			continue
		}
		if !strings.Contains(string(b), "\n"+key+":") && !strings.HasPrefix(string(b), key+":") {
			t.Errorf("examples/systemd/minion.yaml lacks %s", key)
		}
	}
}
