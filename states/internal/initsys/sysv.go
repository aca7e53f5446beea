package initsys

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// SysV runs /etc/init.d scripts on a live host whose PID 1 is not systemd,
// and sets rc links with update-rc.d or chkconfig when the host has them,
// or itself otherwise.
type SysV struct {
	Root string
	Run  Runner
	Live bool
	// LookPath finds update-rc.d and chkconfig; nil means exec.LookPath.
	LookPath func(string) (string, error)
}

func (s *SysV) Kind() string                           { return "sysv" }
func (s *SysV) CanRun() bool                           { return s.Live }
func (s *SysV) Close() error                           { return nil }
func (s *SysV) DaemonReload(ctx context.Context) error { return nil }

func (s *SysV) rc() RCLinks { return RCLinks{Root: s.Root} }

func (s *SysV) lookPath(name string) bool {
	lp := s.LookPath
	if lp == nil {
		lp = exec.LookPath
	}
	_, err := lp(name)
	return err == nil
}

// Status: the script exists, `script status` exits 0, and rc links.
func (s *SysV) Status(ctx context.Context, name string) (Status, error) {
	name = ScriptName(name)
	rc := s.rc()
	if !rc.HasScript(name) {
		return Status{}, nil
	}
	st := Status{Exists: true}
	on, err := rc.Enabled(name)
	if err != nil {
		return Status{}, err
	}
	st.EnableState = map[bool]string{true: "enabled", false: "disabled"}[on]
	if s.Live {
		_, err := s.Run.Run(ctx, "/etc/init.d/"+name, "status")
		st.Active = err == nil
	}
	return st, nil
}

func (s *SysV) script(ctx context.Context, name, verb string) error {
	if !s.Live {
		return ErrNotRunnable
	}
	_, err := s.Run.Run(ctx, "/etc/init.d/"+ScriptName(name), verb)
	return err
}

// Settler is an optional ability of a System: how long a started or
// stopped service may take to show it in its status.
type Settler interface {
	SettleWindow() time.Duration
}

// SettleWindow: an init script may return before its daemon has written
// the pid file that "status" reads.
func (s *SysV) SettleWindow() time.Duration { return 5 * time.Second }

func (s *SysV) Start(ctx context.Context, name string) error   { return s.script(ctx, name, "start") }
func (s *SysV) Stop(ctx context.Context, name string) error    { return s.script(ctx, name, "stop") }
func (s *SysV) Restart(ctx context.Context, name string) error { return s.script(ctx, name, "restart") }
func (s *SysV) Reload(ctx context.Context, name string) error  { return s.script(ctx, name, "reload") }
func (s *SysV) ForceReload(ctx context.Context, name string) error {
	return s.script(ctx, name, "force-reload")
}

func (s *SysV) Enable(ctx context.Context, name string) error {
	name = ScriptName(name)
	switch {
	case s.Live && s.lookPath("update-rc.d"):
		if _, err := s.Run.Run(ctx, "update-rc.d", name, "defaults"); err != nil {
			return err
		}
		_, err := s.Run.Run(ctx, "update-rc.d", name, "enable")
		return err
	case s.Live && s.lookPath("chkconfig"):
		_, err := s.Run.Run(ctx, "chkconfig", name, "on")
		return err
	}
	return s.rc().Enable(name)
}

func (s *SysV) Disable(ctx context.Context, name string) error {
	name = ScriptName(name)
	switch {
	case s.Live && s.lookPath("update-rc.d"):
		if _, err := s.Run.Run(ctx, "update-rc.d", name, "defaults"); err != nil {
			return err
		}
		_, err := s.Run.Run(ctx, "update-rc.d", name, "disable")
		return err
	case s.Live && s.lookPath("chkconfig"):
		_, err := s.Run.Run(ctx, "chkconfig", name, "off")
		return err
	}
	return s.rc().Disable(name)
}

var errNoMask = errors.New("masking a service needs systemd")

func (s *SysV) Mask(ctx context.Context, name string, runtime bool) error {
	return fmt.Errorf("mask %s: %w", name, errNoMask)
}
func (s *SysV) Unmask(ctx context.Context, name string, runtime bool) error {
	return fmt.Errorf("unmask %s: %w", name, errNoMask)
}
