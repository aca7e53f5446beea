package sshrun

import "strings"

// Quote makes s one word for a POSIX shell, whatever it holds: it is
// wrapped in single quotes, and each single quote in it is closed,
// escaped and reopened ('\”). The empty string is ”. It is the one
// function that turns data into command-line text sent to a host.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command is argv as one command line for the remote shell (SSH runs a
// command through the user's login shell): each element quoted by
// Quote, joined by spaces.
func Command(argv ...string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
