package master

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/confyaml"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(*Config) bool
	}{
		{"missing file gives defaults", "", "", func(c *Config) bool { return c.Port == 4222 && c.KeepJobs.D() == 24*time.Hour }},
		{"empty file gives defaults", "# nothing\n", "", func(c *Config) bool { return c.StateDir == "/var/lib/brine/master" }},
		{"values", "port: 4333\nkeep_jobs: 2h\nauto_accept_ids: ['lab-*']\n", "", func(c *Config) bool {
			return c.Port == 4333 && c.KeepJobs.D() == 2*time.Hour && c.AutoAcceptIDs[0] == "lab-*"
		}},
		{"seconds as a number", "keep_jobs: 90\n", "", func(c *Config) bool { return c.KeepJobs.D() == 90*time.Second }},
		{"unknown key named", "port: 1\nfile_root: x\n", "field file_root not found", nil},
		{"unknown key line", "port: 1\nfile_root: x\n", "line 2", nil},
		{"bad duration", "keep_jobs: soon\n", `"soon" is not a duration`, nil},
		{"bad log level", "log_level: loud\n", `log_level "loud"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.name != "missing file gives defaults" {
				if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte(tt.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
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

func TestClientURL(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Interface: "127.0.0.1", Port: 4222}, "nats://127.0.0.1:4222"},
		{Config{Interface: "0.0.0.0", Port: 4222}, "tls://127.0.0.1:4222"},
		{Config{Interface: "10.0.0.5", Port: 4222}, "tls://10.0.0.5:4222"},
		{Config{Interface: "127.0.0.1", Port: 4222, TLS: true}, "tls://127.0.0.1:4222"},
		{Config{NATSURL: "tls://nats1:4222"}, "tls://nats1:4222"},
	}
	for _, tt := range tests {
		if got := tt.c.ClientURL(); got != tt.want {
			t.Errorf("ClientURL(%+v) = %q; want %q", tt.c, got, tt.want)
		}
	}
}

// TestExampleConfigIsDefaults keeps examples/systemd/master.yaml honest:
// it lists every key with its default.
func TestExampleConfigIsDefaults(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "examples", "systemd"))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	if got, wantS := fmt.Sprintf("%+v", *c), fmt.Sprintf("%+v", want); got != wantS {
		t.Errorf("examples/systemd/master.yaml:\n got %s\nwant %s", got, wantS)
	}
	b, _ := os.ReadFile(filepath.Join("..", "examples", "systemd", "master.yaml"))
	for _, f := range reflect.VisibleFields(reflect.TypeOf(Config{})) {
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" {
			continue // an inline struct (outputconf.Settings): its fields are listed
		}
		if !strings.Contains(string(b), "\n"+key+":") {
			t.Errorf("examples/systemd/master.yaml lacks %s", key)
		}
	}
}

func TestReactorConfig(t *testing.T) {
	for _, tc := range []struct {
		r   []map[string]ReactorFiles
		bad bool
	}{
		{[]map[string]ReactorFiles{{"salt/auth": {"/srv/reactor/auth.sls"}}, {"salt/minion/*/start": {"salt://reactor/start.sls"}}}, false},
		{[]map[string]ReactorFiles{{"salt/auth": {"reactor/auth.sls"}}}, true},
		{[]map[string]ReactorFiles{{"salt/auth": {}}}, true},
		{[]map[string]ReactorFiles{{"a": {"/a.sls"}, "b": {"/b.sls"}}}, true},
	} {
		c := Defaults()
		c.Reactor = tc.r
		if err := c.Validate(); (err != nil) != tc.bad {
			t.Errorf("reactor %v: Validate() = %v; want error %v", tc.r, err, tc.bad)
		}
	}
}

// TestReactorFilesForms: a tag's reaction files are a list, or one file
// alone, as Salt's list_reactors takes a string or a list.
func TestReactorFilesForms(t *testing.T) {
	var c struct {
		Reactor []map[string]ReactorFiles `yaml:"reactor"`
	}
	src := "reactor:\n  - 'salt/auth': /srv/reactor/auth.sls\n  - 'salt/minion/*/start':\n    - /srv/reactor/a.sls\n    - salt://reactor/b.sls\n"
	if err := confyaml.DecodeStrict("master.yaml", []byte(src), &c); err != nil {
		t.Fatal(err)
	}
	want := []map[string]ReactorFiles{{"salt/auth": {"/srv/reactor/auth.sls"}}, {"salt/minion/*/start": {"/srv/reactor/a.sls", "salt://reactor/b.sls"}}}
	if !reflect.DeepEqual(c.Reactor, want) {
		t.Fatalf("reactor = %v; want %v", c.Reactor, want)
	}
}
