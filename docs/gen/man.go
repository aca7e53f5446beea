package gen

// The man pages (docs/man) are written by brine itself, from its command
// tree and the state declarations; cmd/brine's TestManPagesFresh fails
// when the checked-in pages are stale.
//go:generate go run ../../cmd/brine gen-man ../man
