package jinja

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestTestProvider(t *testing.T) {
	call := func(t *testing.T, root, family, module string) (any, error) {
		t.Helper()
		sc := testSaltContext()
		sc.Root = root
		sc.Grains["os_family"] = family
		return SaltFuncs(sc)["test.provider"]([]any{module}, nil)
	}
	booted := t.TempDir()
	if err := os.MkdirAll(filepath.Join(booted, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	sysv := t.TempDir()
	tests := []struct {
		root, family, module, want string
	}{
		// Salt 3006 names the module file: systemd_service.py, never
		// plain "systemd" (formulas comparing == 'systemd' take the
		// other branch in Salt too).
		{booted, "Debian", "service", "systemd_service"},
		{booted, "RedHat", "service", "systemd_service"},
		{sysv, "Debian", "service", "debian_service"},
		{sysv, "RedHat", "service", "rh_service"},
		{sysv, "Debian", "pkg", "aptpkg"},
		{sysv, "RedHat", "pkg", "yumpkg"},
		{sysv, "Suse", "pkg", "zypperpkg"},
	}
	for _, tt := range tests {
		got, err := call(t, tt.root, tt.family, tt.module)
		if err != nil || got != tt.want {
			t.Errorf("test.provider(%q) on %s = %v, %v; want %q", tt.module, tt.family, got, err, tt.want)
		}
	}
	if _, err := call(t, sysv, "Debian", "nosuchmodule"); err == nil {
		t.Error("test.provider of an unknown module: no error")
	}
	sc := testSaltContext()
	sc.Root = booted
	sc.Files = fstest.MapFS{}
	if _, err := SaltFuncs(sc)["test.provider"]([]any{"service"}, nil); !errors.Is(err, ErrConfined) {
		t.Errorf("test.provider while rendering pillar: %v, want ErrConfined", err)
	}
}
