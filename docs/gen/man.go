package gen

// The man pages of the commands (docs/man) are written by brine itself,
// from its command tree; cmd/brine's TestManPagesFresh fails when the
// checked-in pages are stale. brine-states(7) is written when the package
// is built (gen-man DIR, in a binary built with -tags genman), from the
// state registry.
//go:generate go run -tags genman ../../cmd/brine gen-man --states=false ../man
