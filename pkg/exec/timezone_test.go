package exec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// timezone.get_zone reads the OS family's files as Salt's does when it
// does not ask timedatectl (always, under --root): /etc/timezone on
// Debian, /etc/sysconfig/clock on RedHat, /etc/localtime's link on
// CentOS; zone_compare compares /etc/localtime with the zone's file.
func TestTimezone(t *testing.T) {
	write := func(root, p, body string) {
		t.Helper()
		hp := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		grains map[string]any
		files  map[string]string
		link   string // /etc/localtime's target
		want   any
		raised bool
	}{
		{"debian", map[string]any{"os": "Debian", "os_family": "Debian"}, map[string]string{"/etc/timezone": "Europe/Paris\n"}, "", "Europe/Paris", false},
		{"debian without the file", map[string]any{"os": "Debian", "os_family": "Debian"}, nil, "",
			"ERROR: Problem reading timezone file /etc/timezone: No such file or directory", true},
		{"redhat", map[string]any{"os": "Fedora", "os_family": "RedHat"}, map[string]string{"/etc/sysconfig/clock": "# c\nZONE=\"America/Denver\"\nUTC=true\n"}, "", "America/Denver", false},
		{"redhat, empty zone", map[string]any{"os": "Fedora", "os_family": "RedHat"}, map[string]string{"/etc/sysconfig/clock": "ZONE=\"\"\n"}, "", "UTC", false},
		{"redhat, no zone", map[string]any{"os": "Fedora", "os_family": "RedHat"}, map[string]string{"/etc/sysconfig/clock": "UTC=true\n"}, "",
			"ERROR: Unable to get timezone from /etc/sysconfig/clock", true},
		{"centos link", map[string]any{"os": "CentOS", "os_family": "RedHat"}, map[string]string{"/usr/share/zoneinfo/Asia/Tokyo": "tz"}, "../usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo", false},
		{"centos copy", map[string]any{"os": "CentOS", "os_family": "RedHat"}, map[string]string{"/usr/share/zoneinfo/Asia/Tokyo": "tokyo", "/usr/share/zoneinfo/posixrules": "tokyo", "/etc/localtime": "tokyo"}, "", "Asia/Tokyo", false},
		{"centos, none", map[string]any{"os": "CentOS", "os_family": "RedHat"}, nil, "", "ERROR: /etc/localtime does not exist", true},
		{"unknown family", map[string]any{"os": "Plan9", "os_family": "Plan9"}, nil, "", "ERROR: Unable to get timezone", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHost(t)
			h.Grains = tt.grains
			for p, b := range tt.files {
				write(h.Root, p, b)
			}
			if tt.link != "" {
				os.MkdirAll(filepath.Join(h.Root, "etc"), 0o755)
				if err := os.Symlink(tt.link, filepath.Join(h.Root, "etc/localtime")); err != nil {
					t.Fatal(err)
				}
			}
			r := Call(context.Background(), h, "timezone.get_zone", nil, nil)
			if r.Value != tt.want || (r.Raised != nil) != tt.raised {
				t.Errorf("timezone.get_zone = %#v (raised %v); want %#v (raised %v)", r.Value, r.Raised, tt.want, tt.raised)
			}
		})
	}

	h := testHost(t)
	write(h.Root, "/usr/share/zoneinfo/Europe/Paris", "paris")
	write(h.Root, "/usr/share/zoneinfo/UTC", "utc")
	write(h.Root, "/etc/localtime", "paris")
	for _, tt := range []struct {
		zone string
		want any
	}{{"Europe/Paris", true}, {"UTC", false}, {"Nowhere/Town", `ERROR: Can't find a local timezone "Nowhere/Town"`}} {
		if r := Call(context.Background(), h, "timezone.zone_compare", []any{tt.zone}, nil); r.Value != tt.want {
			t.Errorf("timezone.zone_compare %s = %#v; want %#v", tt.zone, r.Value, tt.want)
		}
	}
}
