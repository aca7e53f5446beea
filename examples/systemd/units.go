// Package systemd holds the shipped systemd units, embedded so that
// brine ssh --bootstrap installs the very unit this directory documents.
package systemd

import _ "embed"

// MinionUnit is brine-minion.service.
//
//go:embed brine-minion.service
var MinionUnit []byte
