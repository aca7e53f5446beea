package initsys

import (
	"context"
	"fmt"
	"strings"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// Systemd drives the running systemd over D-Bus (the system bus; honours
// DBUS_SYSTEM_BUS_ADDRESS). Jobs are waited for and their result checked.
type Systemd struct {
	conn *sddbus.Conn
	// rc manages rc links of units systemd generated from init scripts,
	// whose boot config lives in /etc/rcN.d, not in unit files.
	rc RCLinks
}

// OpenSystemd connects to the system bus.
func OpenSystemd(ctx context.Context) (*Systemd, error) {
	conn, err := sddbus.NewSystemConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("systemd: connect to the system bus: %w", err)
	}
	return &Systemd{conn: conn, rc: RCLinks{Root: "/"}}, nil
}

func (s *Systemd) Kind() string { return "systemd" }
func (s *Systemd) CanRun() bool { return true }
func (s *Systemd) Close() error { s.conn.Close(); return nil }
func (s *Systemd) DaemonReload(ctx context.Context) error {
	if err := s.conn.ReloadContext(ctx); err != nil {
		return fmt.Errorf("systemd daemon-reload: %w", err)
	}
	return nil
}

func propString(p map[string]any, k string) string { v, _ := p[k].(string); return v }

// sysvSource returns the init script a unit was generated from, if any.
func sysvSource(p map[string]any) string {
	src := propString(p, "SourcePath")
	if strings.HasPrefix(src, "/etc/init.d/") && !strings.HasPrefix(propString(p, "FragmentPath"), "/etc/systemd/") &&
		!strings.HasPrefix(propString(p, "FragmentPath"), "/lib/systemd/") && !strings.HasPrefix(propString(p, "FragmentPath"), "/usr/lib/systemd/") {
		return strings.TrimPrefix(src, "/etc/init.d/")
	}
	return ""
}

func (s *Systemd) props(ctx context.Context, name string) (map[string]any, error) {
	p, err := s.conn.GetUnitPropertiesContext(ctx, UnitName(name))
	if err != nil {
		return nil, fmt.Errorf("systemd: properties of %s: %w", UnitName(name), err)
	}
	return p, nil
}

// Status reads ActiveState, LoadState, UnitFileState and NeedDaemonReload.
func (s *Systemd) Status(ctx context.Context, name string) (Status, error) {
	p, err := s.props(ctx, name)
	if err != nil {
		return Status{}, err
	}
	load := propString(p, "LoadState")
	st := Status{
		Exists:      load != "not-found" && load != "",
		EnableState: propString(p, "UnitFileState"),
		Masked:      load == "masked",
	}
	if nr, ok := p["NeedDaemonReload"].(bool); ok {
		st.NeedReload = nr
	}
	// Running is what `systemctl is-active` says, as Salt's status() reads
	// it: a unit still activating (or waiting to restart) is not.
	switch propString(p, "ActiveState") {
	case "active", "reloading", "refreshing":
		st.Active = true
	}
	if st.Masked {
		st.EnableState = "masked"
	}
	st.MaskLinks = ReadMaskLinks(s.rc.Root, UnitName(name))
	if script := sysvSource(p); script != "" && !st.Masked {
		on, err := s.rc.Enabled(script)
		if err != nil {
			return Status{}, err
		}
		st.EnableState = map[bool]string{true: "enabled", false: "disabled"}[on]
	}
	return st, nil
}

type jobFunc func(ctx context.Context, name, mode string, ch chan<- string) (int, error)

func (s *Systemd) job(ctx context.Context, verb string, fn jobFunc, name string) error {
	unit := UnitName(name)
	ch := make(chan string, 1)
	if _, err := fn(ctx, unit, "replace", ch); err != nil {
		return &SystemctlError{Verb: verb, Unit: unit, Err: err}
	}
	select {
	case res := <-ch:
		switch res {
		case "done", "skipped":
			return nil
		case "failed":
			// systemctl explains a failed service job by the service's
			// Result property.
			if strings.HasSuffix(unit, ".service") {
				if p, err := s.conn.GetUnitTypePropertyContext(ctx, unit, "Service", "Result"); err == nil {
					if v, ok := p.Value.Value().(string); ok {
						return &SystemctlError{Verb: verb, Unit: unit, Result: res, ServiceResult: v}
					}
				}
			}
		}
		return &SystemctlError{Verb: verb, Unit: unit, Result: res}
	case <-ctx.Done():
		return fmt.Errorf("systemd: %s %s: %w", verb, unit, ctx.Err())
	}
}

func (s *Systemd) Start(ctx context.Context, name string) error {
	return s.job(ctx, "start", s.conn.StartUnitContext, name)
}
func (s *Systemd) Stop(ctx context.Context, name string) error {
	return s.job(ctx, "stop", s.conn.StopUnitContext, name)
}
func (s *Systemd) Restart(ctx context.Context, name string) error {
	return s.job(ctx, "restart", s.conn.RestartUnitContext, name)
}
func (s *Systemd) Reload(ctx context.Context, name string) error {
	return s.job(ctx, "reload", s.conn.ReloadUnitContext, name)
}

// ForceReload is systemctl force-reload: reload, or restart a unit that
// cannot reload, if it runs.
func (s *Systemd) ForceReload(ctx context.Context, name string) error {
	return s.job(ctx, "try-reload-or-restart", s.conn.ReloadOrTryRestartUnitContext, name)
}

// Enable links the unit file (or an init script's rc links) and reloads
// systemd, as systemctl enable does.
func (s *Systemd) Enable(ctx context.Context, name string) error {
	return s.boot(ctx, name, true)
}

// Disable removes the links and reloads systemd.
func (s *Systemd) Disable(ctx context.Context, name string) error {
	return s.boot(ctx, name, false)
}

func (s *Systemd) boot(ctx context.Context, name string, enable bool) error {
	p, err := s.props(ctx, name)
	if err != nil {
		return err
	}
	unit := UnitName(name)
	if script := sysvSource(p); script != "" {
		if enable {
			err = s.rc.Enable(script)
		} else {
			err = s.rc.Disable(script)
		}
	} else if enable {
		_, _, err = s.conn.EnableUnitFilesContext(ctx, []string{unit}, false, true)
	} else {
		_, err = s.conn.DisableUnitFilesContext(ctx, []string{unit}, false)
	}
	if err != nil {
		// systemctl: "Failed to enable unit: Unit file x.service does not exist."
		return &SystemctlError{Verb: map[bool]string{true: "enable", false: "disable"}[enable], Unit: "unit", Err: err}
	}
	if script := ScriptName(name); sysvSource(p) == "" && strings.HasSuffix(unit, ".service") && s.rc.HasScript(script) {
		// systemctl (and so Salt) also synchronizes the rc links of an
		// init script of the same name ("Synchronizing state of x.service
		// with SysV service script").
		if enable {
			err = s.rc.Enable(script)
		} else {
			err = s.rc.Disable(script)
		}
		if err != nil {
			return fmt.Errorf("systemd: rc links of %s: %w", script, err)
		}
	}
	return s.DaemonReload(ctx)
}

func (s *Systemd) Mask(ctx context.Context, name string, runtime bool) error {
	if _, err := s.conn.MaskUnitFilesContext(ctx, []string{UnitName(name)}, runtime, true); err != nil {
		return fmt.Errorf("systemd: mask %s: %w", UnitName(name), err)
	}
	return s.DaemonReload(ctx)
}

func (s *Systemd) Unmask(ctx context.Context, name string, runtime bool) error {
	if _, err := s.conn.UnmaskUnitFilesContext(ctx, []string{UnitName(name)}, runtime); err != nil {
		return fmt.Errorf("systemd: unmask %s: %w", UnitName(name), err)
	}
	return s.DaemonReload(ctx)
}
