package states

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/pkg/urlfetch"
)

func init() {
	Register("file.cached", fileCached,
		Param{Name: "name", Type: String, Doc: "the URL of the file to cache: http://, https://, ftp:// or salt://; a path or file:// URL is only checked."},
		fileSourceHash, fileSourceHashName,
		Param{Name: "skip_verify", Type: Bool, Default: false, Doc: "True takes a remote file without a source_hash, and downloads it on every run."},
		Param{Name: "saltenv", Type: String, Doc: "accepted for Salt's sake: brine's salt:// files come from the state's environment."},
		fileVerifySSL, fileUseEtag,
	)
	Register("file.not_cached", fileNotCached,
		Param{Name: "name", Type: String, Doc: "the URL whose cached copy is deleted; a path or file:// URL is left alone."},
		Param{Name: "saltenv", Type: String, Doc: "accepted for Salt's sake."},
	)
}

// fileSaltCacheDir is where a salt:// file is cached, Salt's
// cachedir/files/<saltenv>.
const fileSaltCacheDir = "/var/cache/brine/files/base"

// fileCacheLogical is where the cached copy of u is, as the image sees it
// (the path the comments show), or "" for a local path. A salt:// URL's
// query (?saltenv=) is not part of it.
func fileCacheLogical(u string) (string, error) {
	switch {
	case urlfetch.Remote(u):
		return urlfetch.CachePath(fileExtrnDir, u)
	case strings.HasPrefix(u, "salt://"):
		p, _, _ := strings.Cut(strings.TrimPrefix(u, "salt://"), "?")
		return filepath.Join(fileSaltCacheDir, filepath.FromSlash(path.Clean("/"+p))), nil
	}
	return "", nil
}

// fileIsLocal is Salt's LOCAL_PROTOS test: no scheme, or file://.
func fileIsLocal(u string) bool {
	s := fileURLScheme(u)
	return s == "" || s == "file"
}

// fileCached makes sure a remote or salt:// file is in the minion's cache,
// as Salt 3006's file.cached: with source_hash, a cached copy of that
// checksum is kept, and one of another is downloaded again; with
// skip_verify, it is downloaded on every run. Changes are {hash: {old,
// new}} (sha256, or source_hash's type) when the cached copy changed.
//
// Salt: Salt's file.cached ignores test=True: its dry run downloads and
// reports True. brine's downloads into a temporary file, leaves the cache
// as it is, and reports None with the changes a real run makes ("File
// will be cached to X"). Comments name the cache under /var/cache/brine
// (Salt's /var/cache/salt/minion).
func fileCached(ctx context.Context, req *Request) Result {
	a := &req.Args
	name := req.Name
	sourceHash := a.String("source_hash", "")
	sourceHashName := a.String("source_hash_name", "")
	skipVerify := a.Bool("skip_verify", false)
	useEtag := a.Bool("use_etag", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if _, err := url.Parse(name); err != nil || name == "" {
		return Failf(name, "Only URLs or local file paths are valid input")
	}
	remote := urlfetch.Remote(name)
	if !skipVerify && sourceHash == "" && !useEtag && (remote || fileURLScheme(name) == "s3" || fileURLScheme(name) == "swift") {
		return Failf(name, "Unable to verify upstream hash of source file %s, please set source_hash or set skip_verify or use_etag to True", name)
	}
	var sum fileSum
	if sourceHash != "" {
		var err error
		if sum, err = fileSourceSum(ctx, req, "", name, sourceHash, sourceHashName); err != nil {
			return fileFail(req, err)
		}
	}
	htype := "sha256"
	if sum.typ != "" {
		htype = sum.typ
	}
	if fileIsLocal(name) {
		p := strings.TrimPrefix(name, "file://")
		lp, err := fileRootPath(req, p, true)
		if err != nil {
			return fileFail(req, &ArgError{Arg: "name", Err: err})
		}
		if _, err := os.Stat(lp); err != nil {
			return Failf(name, "File %s is not present on the minion", p)
		}
		if skipVerify || sum.hsum == "" {
			return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "File " + p + " is present on the minion"}
		}
		got, err := fileSumOf(lp, htype)
		if err != nil {
			return fileFail(req, err)
		}
		if got != sum.hsum {
			return Failf(name, "File %s is present on the minion, but the hash (%s) does not match the specified hash (%s)", p, got, sum.hsum)
		}
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("File %s is present on the minion and has hash %s", p, got)}
	}
	if !remote && !strings.HasPrefix(name, "salt://") {
		return fileFail(req, &ArgError{Arg: "name", Err: fmt.Errorf("%q: only salt://, http://, https://, ftp://, file:// and absolute paths are supported", name)})
	}
	logical, err := fileCacheLogical(name)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "name", Err: err})
	}
	local, err := rootfs.Resolve(req.Root, logical, false)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "name", Err: err})
	}
	var pre any // None when nothing was cached
	if h, err := fileSumOf(local, htype); err == nil {
		pre = h
	}
	verified := !skipVerify && sum.hsum != ""
	post := pre
	if !verified || pre != sum.hsum {
		// Salt's cp.cache_file downloads unless the cached copy has
		// source_hash's checksum. A dry run downloads beside the cache.
		dest := local
		if req.Test {
			dir, err := os.MkdirTemp("", "brine-cached-")
			if err != nil {
				return fileFail(req, err)
			}
			defer os.RemoveAll(dir)
			dest = filepath.Join(dir, filepath.Base(local))
		}
		if err := fileCacheTo(ctx, req, name, dest); err != nil {
			return Failf(name, "%v", err)
		}
		h, err := fileSumOf(dest, htype)
		if err != nil {
			return fileFail(req, err)
		}
		post = h
	}
	changes := map[string]any{}
	if pre != post {
		changes["hash"] = map[string]any{"old": pre, "new": post}
	}
	if verified && post != sum.hsum {
		return Result{Name: name, Result: False, Changes: changes,
			Comment: fmt.Sprintf("File is cached to %s, but the hash (%s) does not match the specified hash (%s)", logical, post, sum.hsum)}
	}
	r := Result{Name: name, Result: True, Changes: changes, Comment: "File is cached to " + logical}
	if verified {
		r.Comment = fmt.Sprintf("File is already cached to %s with hash %s", logical, post)
	}
	if req.Test && len(changes) > 0 {
		r.Result = None
		r.Comment = "File will be cached to " + logical
	}
	return r
}

// fileCacheTo downloads a remote URL, or copies a salt:// file, to dest,
// replacing it whole. Errors are worded as Salt's cp.cache_file raises
// them.
func fileCacheTo(ctx context.Context, req *Request, u, dest string) error {
	if urlfetch.Remote(u) {
		get := fileFetcherFor(req).Get
		if req.Args.Bool("use_etag", false) {
			get = fileFetcherFor(req).GetETag
		}
		return fileSaltFetchError(get(ctx, u, dest))
	}
	data, err := fileFetch(ctx, req, u)
	if IsNotExist(err) {
		return &FileRemoteError{Msg: "Failed to cache " + u + ", check minion log for more information"}
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dest, data, 0o644)
}

// fileNotCached makes sure a URL has no copy in the minion's cache, as
// Salt 3006's file.not_cached.
//
// Salt: Salt's ignores test=True and deletes; brine's dry run reports
// None, "X is set to be deleted" with the changes a real run makes.
func fileNotCached(ctx context.Context, req *Request) Result {
	name := req.Name
	if _, err := url.Parse(name); err != nil || name == "" {
		return Failf(name, "Only URLs or local file paths are valid input")
	}
	if fileIsLocal(name) {
		p := filepath.Clean(strings.TrimPrefix(name, "file://"))
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "File " + p + " is a local path, no action taken"}
	}
	logical, err := fileCacheLogical(name)
	if err == nil && logical == "" {
		err = fmt.Errorf("%q: not a URL brine caches", name)
	}
	if err != nil {
		return fileFail(req, &ArgError{Arg: "name", Err: err})
	}
	local, err := rootfs.Resolve(req.Root, logical, false)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "name", Err: err})
	}
	if _, err := os.Lstat(local); errors.Is(err, fs.ErrNotExist) {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: name + " is not cached"}
	}
	changes := map[string]any{"deleted": true}
	if req.Test {
		return Result{Name: name, Result: None, Changes: changes, Comment: logical + " is set to be deleted"}
	}
	if err := os.Remove(local); err != nil {
		return Failf(name, "Failed to delete %s: %v", logical, err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: logical + " was deleted"}
}
