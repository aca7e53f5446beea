package jinja

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// moreFuncs adds file.readdir and Salt's hashutil module: functions
// formulas call while rendering (an include of every SLS file in a
// directory; a checksum or base64 text of a value) that only read.
func moreFuncs(c *saltCtx, m map[string]Func) {
	// file.readdir is Salt's: "." and ".." then the directory's entries
	// (here in name order; Salt's follow the filesystem's), under
	// SaltContext.Root when set. A path that is not absolute, or not a
	// directory, fails the render with Salt's message.
	m["file.readdir"] = func(args []any, kw map[string]any) (any, error) {
		p, err := strParam(args, kw, 0, "path")
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(p, "~") {
			if home, herr := os.UserHomeDir(); herr == nil {
				p = home + strings.TrimPrefix(p, "~")
			}
		}
		if !filepath.IsAbs(p) {
			return nil, errors.New("file.readdir: Dir path must be absolute.")
		}
		var ents []fs.DirEntry
		switch {
		case c.Files != nil:
			ents, err = fs.ReadDir(c.Files, confinedPath(p))
		case c.Root != "":
			var real string
			if real, err = rootfs.Resolve(c.Root, p, true); err == nil {
				ents, err = os.ReadDir(real)
			}
		default:
			ents, err = os.ReadDir(p)
		}
		if err != nil {
			return nil, errors.New("file.readdir: A valid directory was not specified.")
		}
		out := append(make([]any, 0, len(ents)+2), ".", "..")
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out, nil
	}

	digests := map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}
	hexOf := func(name string, s string) string {
		h := digests[name]()
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil))
	}
	str := func(args []any, kw map[string]any, i int, name string) (string, error) {
		v := param(args, kw, i, name, nil)
		if v == nil {
			return "", fmt.Errorf("missing argument %q", name)
		}
		return toStr(v)
	}
	m["hashutil.digest"] = func(args []any, kw map[string]any) (any, error) {
		s, err := str(args, kw, 0, "instr")
		if err != nil {
			return nil, fmt.Errorf("hashutil.digest: %w", err)
		}
		sum, err := toStr(param(args, kw, 1, "checksum", "md5"))
		if err != nil {
			return nil, err
		}
		if _, ok := digests[sum]; !ok || sum == "sha1" {
			return nil, fmt.Errorf("hashutil.digest: Invalid hash type '%s'", sum)
		}
		return hexOf(sum, s), nil
	}
	for _, name := range []string{"md5", "sha256", "sha512"} {
		m["hashutil."+name+"_digest"] = func(args []any, kw map[string]any) (any, error) {
			s, err := str(args, kw, 0, "instr")
			if err != nil {
				return nil, fmt.Errorf("hashutil.%s_digest: %w", name, err)
			}
			return hexOf(name, s), nil
		}
	}
	m["hashutil.base64_b64encode"] = func(args []any, kw map[string]any) (any, error) {
		s, err := str(args, kw, 0, "instr")
		if err != nil {
			return nil, fmt.Errorf("hashutil.base64_b64encode: %w", err)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	}
	// base64_encodestring is base64.encodebytes: lines of 76 characters,
	// each ending in a newline.
	m["hashutil.base64_encodestring"] = func(args []any, kw map[string]any) (any, error) {
		s, err := str(args, kw, 0, "instr")
		if err != nil {
			return nil, fmt.Errorf("hashutil.base64_encodestring: %w", err)
		}
		enc := base64.StdEncoding.EncodeToString([]byte(s))
		var b strings.Builder
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		if enc != "" {
			b.WriteString(enc + "\n")
		}
		return b.String(), nil
	}
	decode := func(fn string) Func {
		return func(args []any, kw map[string]any) (any, error) {
			s, err := str(args, kw, 0, "instr")
			if err != nil {
				return nil, fmt.Errorf("hashutil.%s: %w", fn, err)
			}
			// Line breaks, as base64_encodestring writes them, are
			// ignored.
			s = strings.NewReplacer("\n", "", "\r", "").Replace(s)
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("hashutil.%s: binascii.Error: %v", fn, err)
			}
			if utf8.Valid(b) {
				return string(b), nil
			}
			return nil, fmt.Errorf("hashutil.%s: the decoded value is not text", fn)
		}
	}
	m["hashutil.base64_b64decode"] = decode("base64_b64decode")
	m["hashutil.base64_decodestring"] = decode("base64_decodestring")
	// hmac_compute is base64 of HMAC-SHA256, as Salt's hashutils do.
	hmacOf := func(msg, secret string) string {
		h := hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(msg))
		return base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	m["hashutil.hmac_compute"] = func(args []any, kw map[string]any) (any, error) {
		msg, err := str(args, kw, 0, "string")
		if err != nil {
			return nil, fmt.Errorf("hashutil.hmac_compute: %w", err)
		}
		secret, err := str(args, kw, 1, "shared_secret")
		if err != nil {
			return nil, fmt.Errorf("hashutil.hmac_compute: %w", err)
		}
		return hmacOf(msg, secret), nil
	}
	m["hashutil.hmac_signature"] = func(args []any, kw map[string]any) (any, error) {
		msg, err := str(args, kw, 0, "string")
		if err != nil {
			return nil, fmt.Errorf("hashutil.hmac_signature: %w", err)
		}
		secret, err := str(args, kw, 1, "shared_secret")
		if err != nil {
			return nil, fmt.Errorf("hashutil.hmac_signature: %w", err)
		}
		challenge, err := str(args, kw, 2, "challenge_hmac")
		if err != nil {
			return nil, fmt.Errorf("hashutil.hmac_signature: %w", err)
		}
		return hmac.Equal([]byte(hmacOf(msg, secret)), []byte(challenge)), nil
	}
}
