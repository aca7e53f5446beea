package exec

import (
	"reflect"
	"testing"
)

// disk.percent reads df -P as Salt's: capacity by mount point, a
// filesystem name with spaces joined.
func TestParsePercent(t *testing.T) {
	out := "Filesystem     1024-blocks      Used Available Capacity Mounted on\n" +
		"/dev/sda1         10000      4200      5800      42% /\n" +
		"map auto_home         0         0         0     100% /home\n" +
		"tmpfs              100         0       100       0% /run/user/1000\n"
	want := map[string]any{"/": "42%", "/home": "100%", "/run/user/1000": "0%"}
	if got := parsePercent(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parsePercent = %#v; want %#v", got, want)
	}
}

// status.cpuinfo is Salt's linux_cpuinfo: the last processor's values,
// flags a list.
func TestParseCPUInfo(t *testing.T) {
	in := "processor\t: 0\nmodel name\t: CPU A\nflags\t\t: fpu vme\n\nprocessor\t: 1\nmodel name\t: CPU A\nflags\t\t: fpu vme sse\npower management:\n"
	want := map[string]any{"processor": "1", "model name": "CPU A", "flags": []any{"fpu", "vme", "sse"}, "power management": ""}
	if got := parseCPUInfo(in); !reflect.DeepEqual(got, want) {
		t.Errorf("parseCPUInfo = %#v; want %#v", got, want)
	}
}

// Salt's linux_sysctl.assign raises CommandExecutionError for a
// parameter the kernel does not have (nothing is written: the key is
// looked up first).
func TestSysctlAssignMissingRaises(t *testing.T) {
	h := liveHost(t)
	r := callWords(t, h, "sysctl.assign", "brine.no_such_key", "1")
	if r.Raised == nil || r.Value != "ERROR: sysctl brine.no_such_key does not exist" {
		t.Errorf("sysctl.assign of a missing key = %#v", r)
	}
}
