package states

// Remote sources (http://, https://, ftp://) of file states, as Salt's
// modules/file.py source_list, get_managed, get_source_sum and
// extract_hash handle them: the source must come with a source_hash (a
// hash, "type=hash", or the path or URL of a file of hashes) unless
// skip_verify, is downloaded by the minion into its cache, and its
// checksum is checked before the file is written. The download itself is
// pkg/urlfetch's.

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/pkg/urlfetch"
)

// fileExtrnDir is where remote sources are cached, Salt's
// cachedir/extrn_files/<saltenv> (brine has the one saltenv, base).
const fileExtrnDir = "/var/cache/brine/extrn_files/base"

// fileFetcher downloads remote sources; tests give it a client of their
// own.
var fileFetcher = &urlfetch.Client{}

// fileFetcherFor is the fetcher of one request: without the check of
// certificates when it says verify_ssl: False.
func fileFetcherFor(req *Request) *urlfetch.Client {
	if v, ok := req.Args.Get("verify_ssl"); ok && v != nil {
		if b, err := ParseBool(v); err == nil && !b {
			return fileFetcher.Insecure()
		}
	}
	return fileFetcher
}

// The arguments of remote sources that file states share.
var (
	fileSourceHash     = Param{Name: "source_hash", Type: String, Doc: `the checksum of the source: "sha256=HEX" (also md5, sha1, sha224, sha384, sha512), bare hex, or the path, salt:// or remote URL of a file of hashes (lines such as "HEX  NAME" or "HEX *NAME"), read for source_hash_name, the managed file's name or the source's base name, else its first hash. Needed for a remote source unless skip_verify; a mismatch fails the state.`}
	fileSourceHashName = Param{Name: "source_hash_name", Type: String, Doc: "the name to look for in a source_hash file of hashes, before the managed file's and the source's names."}
	fileKeepSource     = Param{Name: "keep_source", Type: Bool, Default: true, Doc: "False removes the cached copy of a remote source after a real run (the next run downloads it again)."}
	fileUseEtag        = Param{Name: "use_etag", Type: Bool, Default: false, Doc: "ask an http(s) server again for the source with the ETag it gave (If-None-Match), kept beside the cached copy; takes a remote source without source_hash."}
	fileVerifySSL      = Param{Name: "verify_ssl", Type: Bool, Default: true, Doc: "False does not check the certificate of an https:// source or source_hash."}
)

// fileHashLens is Salt's HASHES: the hash types a source_hash may name,
// with the length of their hex digest, in HASHES_REVMAP's order (by
// length).
var fileHashLens = []struct {
	typ string
	n   int
}{{"md5", 32}, {"sha1", 40}, {"sha224", 56}, {"sha256", 64}, {"sha384", 96}, {"sha512", 128}}

func fileHashLen(typ string) (int, bool) {
	for _, h := range fileHashLens {
		if h.typ == typ {
			return h.n, true
		}
	}
	return 0, false
}

func fileHashTypeOf(n int) (string, bool) {
	for _, h := range fileHashLens {
		if h.n == n {
			return h.typ, true
		}
	}
	return "", false
}

func fileNewHash(typ string) hash.Hash {
	switch typ {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// fileSum is Salt's source_sum: {hash_type, hsum}.
type fileSum struct{ typ, hsum string }

// SourceHashError is a source_hash Salt's get_source_sum refuses, or a
// hash file it cannot read; its text is Salt's comment.
type SourceHashError struct{ Msg string }

func (e *SourceHashError) Error() string { return e.Msg }

// fileValidProtos is Salt's VALID_PROTOS, as its messages list them.
const fileValidProtos = "salt, file, http, https, ftp, swift, s3"

func fileInvalidSourceHash(sourceHash string) error {
	var lens []string
	for _, h := range fileHashLens {
		lens = append(lens, fmt.Sprintf("%s (%d)", h.typ, h.n))
	}
	return &SourceHashError{Msg: fmt.Sprintf("Source hash %s format is invalid. The supported formats are: "+
		"1) a hash, 2) an expression in the format <hash_type>=<hash>, or "+
		"3) either a path to a local file containing hashes, or a URI of "+
		"a remote hash file. Supported protocols for remote hash files "+
		"are: %s. The hash may also not be of a valid length, the "+
		"following are supported hash types and lengths: %s.", sourceHash, fileValidProtos, strings.Join(lens, ", "))}
}

// fileURLScheme is the scheme of u as Python's urlparse reads it: "" for
// a path or a hash expression.
func fileURLScheme(u string) string {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/=") {
		if i := strings.Index(u, ":"); i > 0 && !strings.ContainsAny(u[:i], "/=") {
			return strings.ToLower(u[:i])
		}
		return ""
	}
	return strings.ToLower(scheme)
}

// fileSourceSum is Salt's get_source_sum: the hash a source_hash stands
// for. A path or a URL names a file of hashes, read with extract_hash
// for the managed file's name, the source's base name, or
// source_hash_name.
func fileSourceSum(ctx context.Context, req *Request, name, source, sourceHash, sourceHashName string) (fileSum, error) {
	var hashFile string
	isFile := filepath.IsAbs(sourceHash)
	if !isFile {
		switch fileURLScheme(sourceHash) {
		case "salt", "file", "http", "https", "ftp":
			isFile = true
		case "":
		default:
			return fileSum{}, fileInvalidSourceHash(sourceHash)
		}
	}
	if isFile {
		data, err := fileFetch(ctx, req, sourceHash)
		if err != nil {
			var fe *urlfetch.Error
			var fte *urlfetch.FTPError
			if IsNotExist(err) && !errors.As(err, &fe) && !errors.As(err, &fte) {
				return fileSum{}, &SourceHashError{Msg: "Source hash file " + sourceHash + " not found"}
			}
			return fileSum{}, fmt.Errorf("source_hash %s: %w", sourceHash, err)
		}
		hashFile = string(data)
		sum, ok := fileExtractHash(hashFile, name, source, sourceHashName)
		if !ok {
			return fileSum{}, fileInvalidSourceHash(sourceHash)
		}
		return sum, nil
	}
	var sum fileSum
	if typ, h, ok := strings.Cut(sourceHash, "="); ok {
		sum = fileSum{typ: strings.TrimSpace(typ), hsum: strings.TrimSpace(h)}
	} else {
		if sourceHash == "" || strings.Trim(sourceHash, "0123456789abcdefABCDEF") != "" {
			return fileSum{}, fileInvalidSourceHash(sourceHash)
		}
		typ, ok := fileHashTypeOf(len(sourceHash))
		if !ok {
			return fileSum{}, fileInvalidSourceHash(sourceHash)
		}
		sum = fileSum{typ: typ, hsum: sourceHash}
	}
	want, ok := fileHashLen(sum.typ)
	if !ok {
		// The types in the order of Salt's HASHES.
		return fileSum{}, &SourceHashError{Msg: fmt.Sprintf("Invalid hash type '%s'. Supported hash types are: "+
			"sha512, sha384, sha256, sha224, sha1, md5. "+
			"Either remove the hash type and simply use '%s' as the source_hash, or change the hash type to a supported type.",
			sum.typ, sum.hsum)}
	}
	n := len(sum.hsum)
	if typ, ok := fileHashTypeOf(n); !ok {
		return fileSum{}, fileInvalidSourceHash(sourceHash)
	} else if n != want {
		return fileSum{}, &SourceHashError{Msg: fmt.Sprintf("Invalid length (%d) for hash type '%s'. "+
			"Either remove the hash type and simply use '%s' as the source_hash, or change the hash type to '%s'",
			n, sum.typ, sum.hsum, typ)}
	}
	sum.hsum = strings.ToLower(sum.hsum)
	return sum, nil
}

// fileResolveHash turns a source_hash that names a file of hashes (a
// path or a URL) into the "type=hash" it gives for source; a hash or a
// hash expression is returned as it is, for fileVerifyHash to read.
func fileResolveHash(ctx context.Context, req *Request, name, source, sourceHash, sourceHashName string) (string, error) {
	if sourceHash == "" || (!filepath.IsAbs(sourceHash) && fileURLScheme(sourceHash) == "") {
		return sourceHash, nil
	}
	sum, err := fileSourceSum(ctx, req, name, source, sourceHash, sourceHashName)
	if err != nil {
		return "", err
	}
	return sum.typ + "=" + sum.hsum, nil
}

// fileExtractHash is Salt's extract_hash with no hash_type: the hash of
// the line that names sourceHashName, else the managed file (fileName),
// else the source's base name; else the first hash of the file. A line's
// hash is its first word of hex digits alone (not touching a letter or a
// digit) whose length is a supported type's.
func fileExtractHash(content, fileName, source, sourceHashName string) (fileSum, bool) {
	var sourceBase string
	if source != "" {
		if pu, err := url.Parse(source); err == nil && (pu.Path != "" || pu.Host != "") {
			p := pu.Path
			if p == "" {
				p = pu.Host
			}
			sourceBase = path.Base(p)
			if strings.HasSuffix(p, "/") {
				sourceBase = ""
			}
		} else {
			sourceBase = path.Base(source)
		}
	}
	const ws = " \t\n\r\x0b\x0c"
	const seps = ws + `\/*`
	// names reports whether line names name: it ends with base, after a
	// separator, or starts with name followed by white space.
	names := func(line, name, base, before string) bool {
		if name == "" {
			return false
		}
		if base != "" && strings.HasSuffix(line, base) {
			i := len(line) - len(base) - 1
			return i >= 0 && strings.ContainsRune(before, rune(line[i]))
		}
		if strings.HasPrefix(line, name) {
			rest := line[len(name):]
			return rest != "" && strings.ContainsRune(ws, rune(rest[0]))
		}
		return false
	}
	var partial, byName, byFile, bySource *fileSum
	for _, line := range strings.Split(content, "\n") {
		line = strings.Trim(line, ws)
		sum, ok := fileLineHash(line)
		if !ok {
			continue
		}
		if partial == nil {
			partial = &sum
		}
		if byName == nil && names(line, sourceHashName, sourceHashName, ws) {
			byName = &sum
		}
		if byFile == nil && fileName != "" && names(line, fileName, path.Base(fileName), seps) {
			byFile = &sum
		}
		if bySource == nil && source != "" && names(line, source, sourceBase, seps) {
			bySource = &sum
		}
	}
	for _, s := range []*fileSum{byName, byFile, bySource, partial} {
		if s != nil {
			return fileSum{typ: s.typ, hsum: strings.ToLower(s.hsum)}, true
		}
	}
	return fileSum{}, false
}

// fileLineHash finds the hash of one line of a hash file, as extract_hash's
// regular expression (?<![a-z0-9])([a-f0-9]{32,128})(?![a-z0-9]) does: the
// first run of letters and digits that is all hex digits and 32 to 128
// long; ok is false when that run's length is no hash type's.
func fileLineHash(line string) (fileSum, bool) {
	isAlnum := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	isHex := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	for i := 0; i < len(line); {
		if !isAlnum(line[i]) {
			i++
			continue
		}
		j := i
		allHex := true
		for j < len(line) && isAlnum(line[j]) {
			allHex = allHex && isHex(line[j])
			j++
		}
		if allHex && j-i >= 32 && j-i <= 128 {
			typ, ok := fileHashTypeOf(j - i)
			return fileSum{typ: typ, hsum: line[i:j]}, ok
		}
		i = j
	}
	return fileSum{}, false
}

// fileFetchRemote reads a remote URL, downloaded into the cache as
// Salt's cp.cache_file does.
func fileFetchRemote(ctx context.Context, req *Request, u string) ([]byte, error) {
	dest, err := fileCachePath(req, u)
	if err != nil {
		return nil, err
	}
	if err := fileFetcherFor(req).Get(ctx, u, dest); err != nil {
		return nil, fileSaltFetchError(err)
	}
	return os.ReadFile(dest)
}

// fileCachePath is where the remote source u is cached under the
// request's root.
func fileCachePath(req *Request, u string) (string, error) {
	p, err := urlfetch.CachePath(fileExtrnDir, u)
	if err != nil {
		return "", &ArgError{Arg: "source", Err: err}
	}
	return rootfs.Resolve(req.Root, p, false)
}

// fileSaltFetchError words the cause of a failed download as Python's
// does: "[Errno 111] Connection refused", where Go says "dial tcp …:
// connect: connection refused".
func fileSaltFetchError(err error) error {
	var fe *urlfetch.Error
	var errno syscall.Errno
	if errors.As(err, &fe) && fe.Status == 0 && errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return &urlfetch.Error{URL: fe.URL, Err: &pyErrno{errno: errno, msg: msg}}
	}
	return err
}

// pyErrno is an errno as Python's OSError prints it.
type pyErrno struct {
	errno syscall.Errno
	msg   string
}

func (e *pyErrno) Error() string { return fmt.Sprintf("[Errno %d] %s", int(e.errno), e.msg) }
func (e *pyErrno) Unwrap() error { return e.errno }

// fileRemote is a remote source made local: the URL, its cached copy,
// and the checksum it was checked against (none with skip_verify).
type fileRemote struct {
	url, local string
	sum        fileSum
}

// FileRemoteError is a remote source Salt's get_managed or manage_file
// refuses; its text is Salt's comment.
type FileRemoteError struct{ Msg string }

func (e *FileRemoteError) Error() string { return e.Msg }

// fileSourceList is Salt's source_list: the first source of a list that
// exists (a HEAD request for a remote one), with its hash; a single
// source is taken as it is.
func fileSourceList(ctx context.Context, req *Request, srcs []fileSource, sourceHash string) (fileSource, error) {
	pick := func(s fileSource) fileSource {
		if s.hash == "" {
			s.hash = sourceHash
		}
		return s
	}
	if len(srcs) == 1 {
		return pick(srcs[0]), nil
	}
	for _, s := range srcs {
		if urlfetch.Remote(s.url) {
			if fileFetcherFor(req).Exists(ctx, s.url) == nil {
				return pick(s), nil
			}
			continue
		}
		if _, err := fileFetch(ctx, req, s.url); err == nil {
			return pick(s), nil
		}
	}
	return fileSource{}, &FileRemoteError{Msg: "Unable to manage file: none of the specified sources were found"}
}

// fileRemoteSource is get_managed and manage_file for a remote source:
// its checksum (from source_hash, unless skip_verify), its cached copy
// (used again when its checksum is right, or always with skip_verify;
// downloaded otherwise), and the check of what was downloaded. ok is
// false when the source picked is not remote: the caller reads it as
// before.
func fileRemoteSource(ctx context.Context, req *Request, name, target, sourceHash, sourceHashName string, skipVerify bool) (r fileRemote, ok bool, err error) {
	srcs, err := fileSources(&req.Args, "source")
	if err != nil {
		return fileRemote{}, false, err
	}
	return fileRemoteOf(ctx, req, srcs, name, target, sourceHash, sourceHashName, skipVerify)
}

// fileRemoteOf is fileRemoteSource for the sources given, for states whose
// source is not their source argument (cron.file's name).
func fileRemoteOf(ctx context.Context, req *Request, srcs []fileSource, name, target, sourceHash, sourceHashName string, skipVerify bool) (r fileRemote, ok bool, err error) {
	anyRemote := false
	for _, s := range srcs {
		anyRemote = anyRemote || urlfetch.Remote(s.url)
	}
	if !anyRemote {
		return fileRemote{}, false, nil
	}
	src, err := fileSourceList(ctx, req, srcs, sourceHash)
	if err != nil {
		return fileRemote{}, false, err
	}
	if !urlfetch.Remote(src.url) {
		return fileRemote{}, false, nil
	}
	r.url = src.url
	useEtag := req.Args.Bool("use_etag", false)
	if !skipVerify && (src.hash != "" || !useEtag) {
		if src.hash == "" {
			return fileRemote{}, false, &FileRemoteError{Msg: "Unable to verify upstream hash of source file " + src.url +
				", please set source_hash or set skip_verify to True"}
		}
		if r.sum, err = fileSourceSum(ctx, req, name, src.url, src.hash, sourceHashName); err != nil {
			return fileRemote{}, false, err
		}
	}
	if r.local, err = fileCachePath(req, src.url); err != nil {
		return fileRemote{}, false, err
	}
	fresh := false
	if _, err := os.Stat(r.local); err == nil {
		switch {
		case useEtag:
			// Asked again with If-None-Match, as Salt's get_managed
			// refetches with use_etag.
		case skipVerify:
			fresh = true
		default:
			got, err := fileSumOf(r.local, r.sum.typ)
			fresh = err == nil && got == r.sum.hsum
		}
	}
	if !fresh {
		get := fileFetcherFor(req).Get
		if useEtag {
			get = fileFetcherFor(req).GetETag
		}
		if err := get(ctx, src.url, r.local); err != nil {
			return fileRemote{}, false, &FileRemoteError{Msg: fmt.Sprintf("Failed to cache %s: %v", src.url, fileSaltFetchError(err))}
		}
	}
	if r.sum.hsum != "" {
		if got, err := fileSumOf(target, r.sum.typ); err == nil && got == r.sum.hsum {
			// manage_file checks the download only when the file is
			// not already what source_hash says it should be.
			r.local = target
			return r, true, nil
		}
		got, err := fileSumOf(r.local, r.sum.typ)
		if err != nil {
			return fileRemote{}, false, err
		}
		if got != r.sum.hsum {
			return fileRemote{}, false, &hashMismatchError{algo: r.sum.typ, src: src.url, want: r.sum.hsum, got: got}
		}
	}
	return r, true, nil
}

// fileSumOf is the hex digest of the file p.
func fileSumOf(p, typ string) (string, error) {
	h := fileNewHash(typ)
	if h == nil {
		return "", fmt.Errorf("unsupported hash type %q", typ)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
