package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// timezone.get_zone on an image: the zone /etc/localtime links to, as
// timedatectl reports it; else Salt's fallbacks by OS family,
// /etc/timezone or /etc/sysconfig/clock's ZONE (quotes stripped, empty
// being UTC).
func TestTimezoneGetZone(t *testing.T) {
	tests := []struct {
		name, family string
		files        map[string]string
		link         string
		want, err    string
	}{
		{name: "link", family: "Debian", link: "../usr/share/zoneinfo/Europe/Berlin", files: map[string]string{"etc/timezone": "Etc/UTC\n"}, want: "Europe/Berlin"},
		{name: "debian file", family: "Debian", files: map[string]string{"etc/timezone": "America/Chicago\n"}, want: "America/Chicago"},
		{name: "sysconfig", family: "RedHat", files: map[string]string{"etc/sysconfig/clock": "# a comment ZONE=x\nZONE=\"America/New_York\"\nUTC=true\n"}, want: "America/New_York"},
		{name: "sysconfig empty zone", family: "Suse", files: map[string]string{"etc/sysconfig/clock": "ZONE=''\n"}, want: "UTC"},
		{name: "nothing", family: "RedHat", err: "Unable to get timezone from /etc/sysconfig/clock"},
	}
	for _, tt := range tests {
		root := t.TempDir()
		for f, body := range tt.files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, f), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if tt.link != "" {
			if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.link, filepath.Join(root, "etc/localtime")); err != nil {
				t.Fatal(err)
			}
		}
		f := SaltFuncs(SaltContext{Root: root, Grains: map[string]any{"os_family": tt.family}})["timezone.get_zone"]
		got, err := f(nil, nil)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: err = %v; want %q", tt.name, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%s: = %v, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
