package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/outputconf"
)

// connFlags are how a command finds and reaches the master.
type connFlags struct {
	configDir string
	natsURL   string
	creds     string
	fs        *pflag.FlagSet // the flags add added to, to tell -c given
}

func (c *connFlags) add(fs *pflag.FlagSet) {
	c.fs = fs
	fs.StringVarP(&c.configDir, "config-dir", "c", master.DefaultDir, "directory holding master.yaml and minion.yaml")
	fs.StringVar(&c.natsURL, "nats-url", "", "NATS URL of the master (default: from master.yaml)")
	fs.StringVar(&c.creds, "creds", "", "operator credential (default: operator.nk, else readonly.nk, in the master's state dir)")
}

// dial connects to the master with the operator's credential, read from
// the master's state dir unless --creds names one.
func (c *connFlags) dial() (*client.Client, error) {
	given := c.fs != nil && c.fs.Changed("config-dir")
	if err := checkConfigDir(c.configDir, given); err != nil {
		return nil, err
	}
	cfg, err := master.LoadConfig(c.configDir)
	if err != nil {
		return nil, err
	}
	url := c.natsURL
	if url == "" {
		url = cfg.ClientURL()
	}
	creds := c.creds
	if creds == "" {
		creds = filepath.Join(cfg.StateDir, master.OperatorFile)
		if _, err := os.Stat(creds); err != nil || !readable(creds) {
			ro := filepath.Join(cfg.StateDir, master.ReadOnlyFile)
			if readable(ro) {
				creds = ro
			}
		}
	}
	return client.Connect(client.Config{URL: url, Creds: creds, CAFile: filepath.Join(cfg.StateDir, master.CAFile),
		ReadOnly: filepath.Base(creds) == master.ReadOnlyFile})
}

// outputSettings are master.yaml's outputter options (color,
// state_output…), which salt-key and salt-run read from the master
// config as salt does; none when the file cannot be read (the command
// reports that when it dials).
func (c *connFlags) outputSettings() outputconf.Settings {
	cfg, err := master.LoadConfig(c.configDir)
	if err != nil {
		return outputconf.Settings{}
	}
	return cfg.Settings
}

// ConfigDirError is a config dir named on the command line that is not
// there: with no master.yaml or minion.yaml read, every default would
// apply, and a daemon would make new keys under /var/lib/brine.
type ConfigDirError struct {
	Dir string
	Err error
}

func (e *ConfigDirError) Error() string {
	return fmt.Sprintf("config dir %s (-c): %v; a config dir named on the command line must exist", e.Dir, e.Err)
}

func (e *ConfigDirError) Unwrap() error { return e.Err }

// checkConfigDir refuses a config dir that is missing or not a
// directory when the command line named it; a dir other than the
// default counts as named (the Salt-style command reads its flags
// without knowing which were given). The default may be missing: then
// every default applies, as documented.
func checkConfigDir(dir string, given bool) error {
	if !given && dir == master.DefaultDir {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &ConfigDirError{Dir: dir, Err: err}
	}
	if !fi.IsDir() {
		return &ConfigDirError{Dir: dir, Err: syscall.ENOTDIR}
	}
	return nil
}

func readable(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// signalContext is cancelled by SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// newLogger is a daemon's logger: slog's text lines, with their time and
// key=value fields, for a journal.
func newLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: parseLevel(level)}))
}

// newConsoleLogger is an interactive command's logger: Salt's console
// lines, `[WARNING ] message` (console_log.go).
func newConsoleLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(newConsoleHandler(w, parseLevel(level)))
}

// checkLevel refuses a log level neither brine nor Salt names, as the
// option parsers of Salt's CLIs refuse one.
func checkLevel(level string) error {
	switch strings.ToLower(level) {
	case "debug", "info", "warn", "warning", "error", "quiet", "critical", "trace", "garbage", "all", "profile":
		return nil
	}
	return fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
}

// parseLevel reads a log level. Salt's level names are taken too: the
// finer ones are debug, the quiet ones error.
func parseLevel(level string) slog.Level {
	switch strings.ToLower(level) {
	case "debug", "trace", "garbage", "all", "profile":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error", "critical", "quiet":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
