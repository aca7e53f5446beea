package gen

// The man pages of the commands (docs/man) are written by brine itself,
// from its command tree; cmd/brine's TestManPagesFresh fails when the
// checked-in pages are stale. brine-states(7) is written when the package
// is built (brine gen-man DIR), from the state registry.
//go:generate go run ../../cmd/brine gen-man --states=false ../man
