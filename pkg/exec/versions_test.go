package exec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/version"
)

func TestVersionsReport(t *testing.T) {
	rel := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(rel, []byte("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := versionsReport(rel)
	if got := r["brine Version"].(map[string]any)["brine"]; got != version.Version {
		t.Errorf("brine = %v; want %v", got, version.Version)
	}
	deps := r["Dependency Versions"].(map[string]any)
	if deps["Go"] != runtime.Version() {
		t.Errorf("Go = %v; want %v", deps["Go"], runtime.Version())
	}
	for _, k := range []string{"nats-server", "nats.go"} {
		if deps[k] == "" {
			t.Errorf("%s is empty", k)
		}
	}
	sys := r["System Versions"].(map[string]any)
	if sys["os"] != "Debian GNU/Linux 12 (bookworm)" || sys["system"] != "Linux" {
		t.Errorf("System Versions = %v; want Debian 12 on Linux", sys)
	}
	if got := osName(filepath.Join(t.TempDir(), "none")); got != "unknown" {
		t.Errorf("osName(missing) = %q; want unknown", got)
	}
}

func TestVersionsReportRegistered(t *testing.T) {
	h := testHost(t)
	ret := callWords(t, h, "test.versions_report")
	if ret.Retcode != RetOK {
		t.Fatalf("test.versions_report = %#v", ret)
	}
	if s, _ := ret.Value.(string); !strings.Contains(s, "\nDependency Versions:\n") {
		t.Errorf("test.versions_report = %#v; want Dependency Versions", ret.Value)
	}
}

// TestVersionsText: the report as Salt's versions_report lays it out.
func TestVersionsText(t *testing.T) {
	r := map[string]any{
		"brine Version":       map[string]any{"brine": "1.2.3"},
		"Dependency Versions": map[string]any{"nats.go": "v1.2", "Go": "go1.22", "nats-server": ""},
		"System Versions":     map[string]any{"system": "Linux", "os": "Debian"},
	}
	want := "brine Version:\n" +
		"         brine: 1.2.3\n" +
		" \n" +
		"Dependency Versions:\n" +
		"            Go: go1.22\n" +
		"   nats-server: Not Installed\n" +
		"       nats.go: v1.2\n" +
		" \n" +
		"System Versions:\n" +
		"            os: Debian\n" +
		"        system: Linux\n" +
		" "
	if got := versionsText(r); got != want {
		t.Errorf("versionsText =\n%s\nwant\n%s", got, want)
	}
}
