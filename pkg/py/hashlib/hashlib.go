// Package hashlib gives Go's hashes by the names Python's hashlib knows
// them by, as Salt's options name them (hash_type, form,
// fingerprint_hash_type, the algorithm of salt.utils.data.hash).
package hashlib

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
)

// Attr returns the hash of getattr(hashlib, name), as Salt's get_hash
// and ssh fingerprints find theirs: md5, sha1, the SHA-2 and SHA-3
// families; false for any other name. The name is taken as it is:
// callers that accept other cases lower it first, as their Salt
// functions do.
func Attr(name string) (hash.Hash, bool) {
	if name == "sha512_224" || name == "sha512_256" {
		// hashlib.new knows them; hashlib has no attribute of theirs.
		return nil, false
	}
	return New(name)
}

// New returns the hash hashlib.new(name) gives for the names every
// hashlib has: Attr's, and sha512_224 and sha512_256.
func New(name string) (hash.Hash, bool) {
	switch name {
	case "md5":
		return md5.New(), true
	case "sha1":
		return sha1.New(), true
	case "sha224":
		return sha256.New224(), true
	case "sha256":
		return sha256.New(), true
	case "sha384":
		return sha512.New384(), true
	case "sha512":
		return sha512.New(), true
	case "sha512_224":
		return sha512.New512_224(), true
	case "sha512_256":
		return sha512.New512_256(), true
	case "sha3_224":
		return sha3.New224(), true
	case "sha3_256":
		return sha3.New256(), true
	case "sha3_384":
		return sha3.New384(), true
	case "sha3_512":
		return sha3.New512(), true
	}
	return nil, false
}
