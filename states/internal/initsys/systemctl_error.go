package initsys

import (
	"errors"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// SystemctlError is a job systemd refused or that failed, worded as
// systemctl words it on stderr: Salt's systemd module raises that stderr
// as the error, so it is what a Salt user reads in a state's comment.
type SystemctlError struct {
	Verb string // start, stop, restart, reload, try-reload-or-restart, enable, disable
	Unit string // the unit ("unit" for enable and disable, as systemctl says)
	// Result is the job's result when the job ran and did not succeed
	// ("failed", "timeout", "dependency"…); empty when systemd refused
	// the call, and Err says why.
	Result string
	// ServiceResult is a failed service's Result property ("exit-code",
	// "signal"…), which systemctl explains.
	ServiceResult string
	Err           error
}

func (e *SystemctlError) Unwrap() error { return e.Err }

// serviceResults are systemctl's explanations of a service's Result
// (systemd 252, log_job_error_with_service_result).
var serviceResults = map[string]string{
	"resources":       "of unavailable resources or another system error",
	"protocol":        "the service did not take the steps required by its unit configuration",
	"timeout":         "a timeout was exceeded",
	"exit-code":       "the control process exited with error code",
	"signal":          "a fatal signal was delivered to the control process",
	"core-dump":       "a fatal signal was delivered causing the control process to dump core",
	"watchdog":        "the service failed to send watchdog ping",
	"start-limit-hit": "start of the service was attempted too often",
	"oom-kill":        "of an out-of-memory (OOM) siutation", // sic, as systemd 252 prints it
}

func (e *SystemctlError) Error() string {
	if e.Result == "" {
		msg := "<nil>"
		var de dbus.Error
		if errors.As(e.Err, &de) {
			msg = de.Error()
		} else if e.Err != nil {
			msg = e.Err.Error()
		}
		if e.Unit == "unit" {
			return fmt.Sprintf("Failed to %s unit: %s", e.Verb, msg)
		}
		return fmt.Sprintf("Failed to %s %s: %s", e.Verb, e.Unit, msg)
	}
	u := e.Unit
	switch e.Result {
	case "canceled":
		return fmt.Sprintf("Job for %s canceled.", u)
	case "timeout":
		return fmt.Sprintf("Job for %s timed out.", u)
	case "dependency":
		return fmt.Sprintf("A dependency job for %s failed. See 'journalctl -xe' for details.", u)
	case "invalid":
		return fmt.Sprintf("%s is not active, cannot reload.", u)
	case "assert":
		return fmt.Sprintf("Assertion failed on job for %s.", u)
	case "unsupported":
		return fmt.Sprintf("Operation on or unit type of %s not supported on this system.", u)
	case "collected":
		return fmt.Sprintf("Queued job for %s was garbage collected.", u)
	case "once":
		return fmt.Sprintf("Unit %s was started already once and can't be started again.", u)
	}
	if !strings.HasSuffix(u, ".service") {
		return `Job failed. See "journalctl -xe" for details.`
	}
	q := shellMaybeQuote(u)
	see := fmt.Sprintf("See \"systemctl status %s\" and \"journalctl -xeu %s\" for details.", q, q)
	why, ok := serviceResults[e.ServiceResult]
	if !ok {
		return fmt.Sprintf("Job for %s failed.\n%s", u, see)
	}
	msg := fmt.Sprintf("Job for %s failed because %s.\n%s", u, why, see)
	if e.ServiceResult == "start-limit-hit" {
		msg += fmt.Sprintf("\nTo force a start use \"systemctl reset-failed %s\"\nfollowed by \"systemctl start %s\" again.", q, q)
	}
	return msg
}

// shellMaybeQuote quotes s as systemd's shell_maybe_quote does when it
// holds a character a shell would read.
func shellMaybeQuote(s string) string {
	if !strings.ContainsAny(s, "\"\\`$*?['()<>|&;! \t\n\r") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if strings.ContainsRune("\"\\`$", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
