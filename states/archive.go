package states

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/urlfetch"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/ulikunitz/xz"
)

func init() {
	Register("archive.extracted", archiveExtracted,
		Param{Name: "name", Type: Path, Doc: "the directory the archive is extracted into."},
		Param{Name: "source", Type: String, Required: true, Doc: "the archive: a salt:// URL, a file:// URL or an absolute path (read under --root, as file.managed's)."},
		Param{Name: "source_hash", Type: String, Doc: `the archive's checksum, "sha256=HEX" (also md5, sha1, sha224, sha384, sha512), bare hex, or the path or URL of a file of hashes (read as file.managed reads it); a mismatch fails the state before anything is extracted.`},
		Param{Name: "skip_verify", Type: Bool, Default: false, Doc: "do not check source_hash (and take a remote source without one)."},
		fileSourceHashName, fileVerifySSL, fileUseEtag,
		Param{Name: "source_hash_update", Type: Bool, Default: false, Doc: "extract again when the archive's checksum differs from the one the last run recorded (under ROOT/var/cache/brine/archive_hash), even with every member present; needs source_hash."},
		Param{Name: "archive_format", Type: String, Doc: "tar or zip; found from the archive's first bytes when not given (tar may be gzip, bzip2 or xz compressed)."},
		Param{Name: "enforce_toplevel", Type: Bool, Default: true, Doc: "fail unless every entry is under one top-level directory."},
		Param{Name: "if_missing", Type: Path, Doc: "extract only when this path does not exist."},
		Param{Name: "overwrite", Type: Bool, Default: false, Doc: "extract even when every entry exists already."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "remove members that exist with the wrong type (a file where the archive has a directory, and so on) and extract; without it such a member fails the state."},
		Param{Name: "clean", Type: Bool, Default: false, Doc: "when extracting, first remove the archive's top-level files and directories from name."},
		Param{Name: "clean_parent", Type: Bool, Default: false, Doc: "when extracting, first remove name itself, and make it again."},
		Param{Name: "enforce_ownership_on", Type: Path, Doc: "with user or group: set them on this path (within name) and, for a directory, everything under it, instead of on the archive's members."},
		fileUserParam, fileGroupParam,
		Param{Name: "options", Type: String, Doc: "tar options; brine reads the archive itself and takes --strip-components=N (and ignores v, z, j, J and x, f)."},
		fileKeepSource,
		Param{Name: "trim_output", Type: Any, Doc: "True (100) or a number: list only that many of the extracted files in the changes."},
		saltKwargs,
	)
}

// archEntry is one member of an archive, checked and ready to extract.
type archEntry struct {
	Name string // relative, cleaned, slash-separated
	Raw  string // the name as the archive stores it
	Type byte   // tar.TypeDir, TypeReg, TypeSymlink, TypeLink
	Mode fs.FileMode
	Link string // symlink target, or hard link's member name
	open func() (io.Reader, error)
}

// ErrUnsafeArchive is what a member that would write outside the
// destination wraps: an absolute name, a "..", or a link that leaves it.
var ErrUnsafeArchive = errors.New("unsafe archive member")

// archFormat finds the format from the first bytes.
func archFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "zip"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "tar.gz"
	case bytes.HasPrefix(data, []byte("BZh")):
		return "tar.bz2"
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "tar.xz"
	}
	return "tar"
}

// archCleanName checks and cleans a member name: relative, no "..".
func archCleanName(name string, strip int) (string, bool, error) {
	n := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(n, "/") || filepath.IsAbs(name) || (len(n) > 1 && n[1] == ':') {
		return "", false, fmt.Errorf("%w: %q is absolute", ErrUnsafeArchive, name)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", false, fmt.Errorf("%w: %q climbs out with ..", ErrUnsafeArchive, name)
		}
	}
	n = path.Clean(n)
	if n == "." {
		return "", false, nil
	}
	if strip > 0 {
		parts := strings.Split(n, "/")
		if len(parts) <= strip {
			return "", false, nil
		}
		n = strings.Join(parts[strip:], "/")
	}
	return n, true, nil
}

// archCheckLink refuses a symlink whose target is absolute or leaves the
// destination from where the link is.
func archCheckLink(name, target string) error {
	if target == "" || strings.HasPrefix(target, "/") || filepath.IsAbs(target) {
		return fmt.Errorf("%w: link %q points to %q, outside the destination", ErrUnsafeArchive, name, target)
	}
	j := path.Join(path.Dir(name), target)
	if j == ".." || strings.HasPrefix(j, "../") {
		return fmt.Errorf("%w: link %q points to %q, outside the destination", ErrUnsafeArchive, name, target)
	}
	return nil
}

// archList reads every member of the archive, checks it, and returns
// them in archive order. Nothing is written.
func archList(data []byte, format string, strip int) ([]archEntry, error) {
	var out []archEntry
	add := func(raw string, e archEntry) error {
		n, ok, err := archCleanName(raw, strip)
		if err != nil || !ok {
			return err
		}
		e.Name, e.Raw = n, raw
		switch e.Type {
		case tar.TypeSymlink:
			if err := archCheckLink(n, e.Link); err != nil {
				return err
			}
		case tar.TypeLink:
			l, ok, err := archCleanName(e.Link, strip)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: hard link %q to %q", ErrUnsafeArchive, raw, e.Link)
			}
			e.Link = l
		}
		out = append(out, e)
		return nil
	}
	if format == "zip" {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("read zip: %w", err)
		}
		for _, f := range zr.File {
			f := f
			e := archEntry{Mode: f.Mode().Perm(), open: func() (io.Reader, error) { return f.Open() }}
			switch {
			case f.FileInfo().IsDir():
				e.Type = tar.TypeDir
			case f.Mode()&fs.ModeSymlink != 0:
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				b, err := io.ReadAll(io.LimitReader(rc, 4096))
				rc.Close()
				if err != nil {
					return nil, err
				}
				e.Type, e.Link = tar.TypeSymlink, string(b)
			case f.Mode().IsRegular():
				e.Type = tar.TypeReg
			default:
				continue
			}
			if e.Mode == 0 {
				e.Mode = 0o644
				if e.Type == tar.TypeDir {
					e.Mode = 0o755
				}
			}
			if err := add(f.Name, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	open := func() (*tar.Reader, error) {
		var r io.Reader = bytes.NewReader(data)
		var err error
		switch format {
		case "tar.gz":
			r, err = gzip.NewReader(r)
		case "tar.bz2":
			r = bzip2.NewReader(r)
		case "tar.xz":
			r, err = xz.NewReader(r)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", format, err)
		}
		return tar.NewReader(r), nil
	}
	tr, err := open()
	if err != nil {
		return nil, err
	}
	cur := &archCursor{open: open, pos: -1}
	for i := 0; ; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", format, err)
		}
		e := archEntry{Mode: fs.FileMode(h.Mode).Perm(), Link: h.Linkname}
		switch h.Typeflag {
		case tar.TypeDir:
			e.Type = tar.TypeDir
		case tar.TypeReg, tar.TypeRegA:
			e.Type = tar.TypeReg
			idx := i
			e.open = func() (io.Reader, error) { return cur.seek(idx) }
		case tar.TypeSymlink, tar.TypeLink:
			e.Type = h.Typeflag
		default:
			continue // devices, fifos: not extracted, as GNU tar as non-root would fail on them
		}
		if err := add(h.Name, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// archTopLevel returns the distinct first components of the members.
func archTopLevel(entries []archEntry) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		top, _, _ := strings.Cut(e.Name, "/")
		if !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	return out
}

// archStrip reads --strip-components from tar options; other options
// than those brine's own reader makes moot are an error.
func archStrip(options string) (int, error) {
	strip := 0
	f := strings.Fields(options)
	for i := 0; i < len(f); i++ {
		o := f[i]
		switch {
		case strings.HasPrefix(o, "--strip-components="):
			n, err := strconv.Atoi(strings.TrimPrefix(o, "--strip-components="))
			if err != nil || n < 0 {
				return 0, &ArgError{Arg: "options", Err: fmt.Errorf("bad %q", o)}
			}
			strip = n
		case o == "--strip-components" && i+1 < len(f):
			n, err := strconv.Atoi(f[i+1])
			if err != nil || n < 0 {
				return 0, &ArgError{Arg: "options", Err: fmt.Errorf("bad --strip-components %q", f[i+1])}
			}
			strip, i = n, i+1
		case strings.Trim(o, "-xvfzjJ") == "", o == "--verbose", o == "--gzip", o == "--bzip2", o == "--xz":
		default:
			return 0, &ArgError{Arg: "options", Err: fmt.Errorf("tar option %q is not supported (brine reads the archive itself; --strip-components=N is)", o)}
		}
	}
	return strip, nil
}

// Extracted makes sure an archive (tar, tar.gz, tar.bz2, tar.xz or zip)
// is extracted into a directory.
//
// brine reads the archive with Go's readers and checks every member
// before it writes anything: an absolute name, a "..", a symbolic link
// that points outside the directory, or a hard link to a member that is
// not in it fails the state whole. The writes then go through an os.Root
// opened on the directory, so that no link, in the archive or already on
// disk, can lead a write out of it. Extraction happens when a member is
// missing (or with overwrite); user and group are then set on every
// member. Under --root the directory and a local source are the image's.
//
// Salt: comments are Salt's, with the directory written NAME/ as Salt does; changes are {extracted_files: [...], directories_created: [NAME/], updated ownership: True}, and a dry run reports the same changes (Salt's reports none, and for a salt:// source only says it "would be cached (if necessary) and checked"); "Output was trimmed to N number of lines" is said only when trim_output trims (Salt 3006 says it on every extraction, "trimmed to False" by default, its issue 59570); with options the files are the members' stored names, as tar -v lists them; a local source (a path or file://) is named by its path and its checksum checked only when it is to be extracted ("X does not match the desired source_hash H"), as in Salt; source_hash_update keeps its checksums under ROOT/var/cache/brine/archive_hash and records them only in a real run (Salt's dry run records them too, so that its next real run sees no update); a member of the wrong type fails the state unless force, as in Salt, and under test with force brine removes nothing (Salt's dry run removes them); with clean such members are extracted again (Salt's real run then extracts nothing); user and group go on the archive's members (Salt's on its top-level directories and all under them), or with enforce_ownership_on on that path and all under it, as Salt's; options only take --strip-components; rar sources are not supported; a remote (http, https, ftp) source is cached as file.cached caches it, and needs source_hash unless skip_verify.
func archiveExtracted(ctx context.Context, req *Request) Result {
	a := &req.Args
	source := a.String("source", "")
	sourceHash := a.String("source_hash", "")
	skipVerify := a.Bool("skip_verify", false)
	hashUpdate := a.Bool("source_hash_update", false)
	format := a.String("archive_format", "")
	enforceTop := a.Bool("enforce_toplevel", true)
	ifMissing := a.String("if_missing", "")
	overwrite := a.Bool("overwrite", false)
	force := a.Bool("force", false)
	clean := a.Bool("clean", false)
	cleanParent := a.Bool("clean_parent", false)
	enforceOn := a.String("enforce_ownership_on", "")
	options := a.String("options", "")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	trim, err := archTrim(a)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	// Salt's extracted() names the directory with a trailing slash in
	// its comments and changes.
	shown := strings.TrimRight(req.Name, "/") + "/"
	ownRel := ""
	if enforceOn != "" {
		rel, err := filepath.Rel(filepath.Clean(req.Name), filepath.Clean(enforceOn))
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return Failf(req.Name, "Value for 'enforce_ownership_on' must be within %s", shown)
		}
		ownRel = filepath.ToSlash(rel)
	}
	perms, err := fileReadPerms(req, "")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	strip, err := archStrip(options)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	dest, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if ifMissing != "" {
		hp, err := rootPath(req, "if_missing", ifMissing, false)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		if _, err := os.Lstat(hp); err == nil {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Path " + ifMissing + " exists"}
		}
	}
	var warnings []string
	if hashUpdate && sourceHash == "" {
		warnings = append(warnings, "The 'source_hash_update' argument is ignored when 'source_hash' is not also specified.")
	}
	if err := fileCheckURL(source); err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "source", Err: err})
	}
	var data []byte
	if urlfetch.Remote(source) {
		// Salt's archive.extracted caches a remote archive with
		// file.cached: source_hash is needed unless skip_verify, and a
		// cached copy of the right checksum is used again.
		if !skipVerify && sourceHash == "" && !a.Bool("use_etag", false) {
			return Failf(req.Name, "Unable to verify upstream hash of source file %s, please set source_hash or set skip_verify or use_etag to True", source)
		}
		r, _, err := fileRemoteSource(ctx, req, "", "", sourceHash, a.String("source_hash_name", ""), skipVerify)
		if hm := (*hashMismatchError)(nil); errors.As(err, &hm) {
			return Failf(req.Name, "specified %s checksum for %s (%s) does not match actual checksum (%s)", hm.algo, hm.src, hm.want, hm.got)
		}
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		if r.sum.hsum != "" {
			sourceHash = r.sum.typ + "=" + r.sum.hsum // checked; recorded by source_hash_update
		}
		if data, err = os.ReadFile(r.local); err != nil {
			return Failf(req.Name, "%v", &ArgError{Arg: "source", Err: err})
		}
		if !req.Test && !a.Bool("keep_source", true) {
			// Salt's extracted() runs file.not_cached on it at the end.
			defer os.Remove(r.local)
		}
	} else {
		if data, err = fileFetch(ctx, req, source); err != nil {
			return Failf(req.Name, "%v", &ArgError{Arg: "source", Err: err})
		}
		if !skipVerify {
			if sourceHash, err = fileResolveHash(ctx, req, "", source, sourceHash, a.String("source_hash_name", "")); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
	}
	// A local source is named by its path in Salt's comments, and its
	// checksum is checked only when it is to be extracted; a salt://
	// source is checked as it is fetched, as Salt's file.cached does.
	shownSrc, local := source, false
	if p, ok := strings.CutPrefix(source, "file://"); ok {
		shownSrc, local = p, true
	} else if strings.HasPrefix(source, "/") {
		local = true
	}
	verify := func() *Result {
		if sourceHash == "" || skipVerify {
			return nil
		}
		err := fileVerifyHash(source, data, sourceHash)
		if err == nil {
			return nil
		}
		var r Result
		if hm := (*hashMismatchError)(nil); errors.As(err, &hm) && local {
			r = Failf(req.Name, "%s does not match the desired source_hash %s", shownSrc, hm.want)
		} else if errors.As(err, &hm) {
			r = Failf(req.Name, "specified %s checksum for %s (%s) does not match actual checksum (%s)", hm.algo, hm.src, hm.want, hm.got)
		} else {
			r = Failf(req.Name, "%v", err)
		}
		return &r
	}
	if !local {
		if r := verify(); r != nil {
			return *r
		}
	}
	switch format {
	case "":
		format = archFormat(data)
	case "tar":
		if f := archFormat(data); f != "zip" {
			format = f
		}
	case "zip":
	default:
		return Failf(req.Name, "%v", &ArgError{Arg: "archive_format", Err: fmt.Errorf("want tar or zip, got %q", format)})
	}
	entries, err := archList(data, format, strip)
	if err != nil {
		return Failf(req.Name, "Unable to extract %s: %v", shownSrc, err)
	}
	if len(entries) == 0 {
		return Failf(req.Name, "No files were extracted from %s", shownSrc)
	}
	if tops := archTopLevel(entries); enforceTop && (len(tops) != 1 || !archIsDirPrefix(entries, tops[0])) {
		kind := "tar"
		if format == "zip" {
			kind = "zip"
		}
		return Failf(req.Name, "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a '%s-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to %s instead of %s).",
			kind, shown+"some_dir", shown)
	}

	if clean && cleanParent {
		return Failf(req.Name, "Only one of 'clean' and 'clean_parent' can be set to True")
	}
	if cleanParent && filepath.Clean(req.Name) == "/" {
		// Salt would rm -rf the whole file system (or image) here.
		return Failf(req.Name, "%v", &ArgError{Arg: "clean_parent", Err: errors.New("would remove / itself")})
	}

	changes := map[string]any{}
	_, statErr := os.Stat(dest)
	created := IsNotExist(statErr)
	// missing is Salt's contents_missing: a member not there, which the
	// comments give as the reason to extract. wrong are the members there
	// with another type, listed as Salt's archive.list does: directories
	// (with their slash), then files, then links.
	missing := created
	var wrong, wrongNames []string
	if !created {
		for _, kind := range []int{0, 1, 2} {
			for _, e := range entries {
				k := map[byte]int{tar.TypeDir: 0, tar.TypeSymlink: 2}[e.Type]
				if e.Type == tar.TypeReg || e.Type == tar.TypeLink {
					k = 1
				}
				if k != kind {
					continue
				}
				fi, err := os.Lstat(filepath.Join(dest, filepath.FromSlash(e.Name)))
				switch {
				case errors.Is(err, syscall.ENOTDIR):
					// Under a member of the wrong type: that one says so.
				case err != nil:
					missing = true
				case kind == 0 && !fi.IsDir(), kind == 1 && (fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0), kind == 2 && fi.Mode()&fs.ModeSymlink == 0:
					n := e.Name
					if kind == 0 {
						n += "/"
					}
					wrong, wrongNames = append(wrong, n), append(wrongNames, e.Name)
				}
			}
		}
	}
	needed := overwrite || missing
	why := ""
	if missing {
		why = ", due to absence of one or more files/dirs"
	}
	// Salt's source_hash_update: the archive's checksum is recorded on
	// each run; one that differs from the last run's is a reason to
	// extract, with every member present.
	var sumPath, sum string
	if hashUpdate && sourceHash != "" && !skipVerify {
		if sumPath, err = rootPath(req, "", archHashDir+"/"+archHashName(source), true); err != nil {
			return Failf(req.Name, "%v", err)
		}
		h := sha256.Sum256(data)
		sum = "sha256:" + hex.EncodeToString(h[:])
		old, err := sysReadFile(sumPath)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		if !needed && old != nil && strings.TrimSpace(string(old)) != sum {
			needed, why = true, ", due to source_hash update"
		}
	}
	// recordSum writes this run's checksum, as Salt's _update_checksum
	// does on every real run.
	recordSum := func() error {
		if sumPath == "" || req.Test {
			return nil
		}
		if old, err := sysReadFile(sumPath); err == nil && strings.TrimSpace(string(old)) == sum {
			return nil
		}
		return sysWriteFile(sumPath, []byte(sum+"\n"), 0o644)
	}
	// fresh are the members a real run removes before it extracts: they
	// come back as the runner's.
	fresh := map[string]bool{}
	var removed []any
	testComment := ""
	if len(wrong) > 0 {
		msg := fmt.Sprintf("The below paths (relative to %s) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.).", shown)
		list := "\n\n- " + strings.Join(wrong, "\n- ")
		switch {
		case req.Test && clean:
			testComment = msg + " Since the 'clean' option is enabled, the destination paths would be cleared and the archive would be extracted." + list
		case req.Test && cleanParent:
			testComment = msg + " Since the 'clean_parent' option is enabled, the destination parent directory would be removed first and then re-created and the archive would be extracted"
		}
		switch {
		case clean:
		case !force:
			if testComment == "" {
				return Failf(req.Name, "%s To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.%s", msg, list)
			}
		default:
			for i, w := range wrong {
				removed = append(removed, shown+w)
				fresh[wrongNames[i]] = true
			}
		}
		// brine extracts what clean would clear (Salt's real run then
		// finds nothing missing and extracts nothing).
		needed = true
	}
	ownership := false
	if !needed && (perms.uid >= 0 || perms.gid >= 0) {
		for _, n := range archOwned(dest, entries, ownRel) {
			if fi, err := os.Lstat(filepath.Join(dest, filepath.FromSlash(n))); err == nil {
				uid, gid := fileOwnerOf(fi)
				if perms.uid >= 0 && uid != perms.uid || perms.gid >= 0 && gid != perms.gid {
					ownership = true
					break
				}
			}
		}
	}
	if needed && local {
		if r := verify(); r != nil {
			return *r
		}
	}
	if !needed {
		if err := recordSum(); err != nil {
			return Failf(req.Name, "%v", err)
		}
		res := Result{Name: req.Name, Result: True, Changes: changes, Comment: "All files in archive are already present", Warnings: warnings}
		if ownership {
			changes["updated ownership"] = true
			if req.Test {
				res.Result = None
				res.Comment += ". Ownership would be updated on one or more files/directories."
				return res
			}
			if err := archChown(dest, archOwned(dest, entries, ownRel), perms); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		return res
	}
	// The files as Salt lists them: Python's tarfile names (a directory
	// without its trailing slash), tar -v's lines when options are given
	// to tar, the zip's own names.
	files := make([]any, 0, len(entries))
	for _, e := range entries {
		n := e.Raw
		if format != "zip" && options == "" {
			n = strings.TrimRight(n, "/")
		}
		files = append(files, n)
	}
	if trim > 0 && len(files) > trim {
		files = files[:trim]
	}
	// clean removes the archive's top-level paths that are there (Salt
	// lists the directories first, with their slash); clean_parent the
	// directory itself, which is then made again.
	var tops []string
	if clean && !created {
		dirs, plain := archTopKinds(entries)
		for _, set := range [][]string{dirs, plain} {
			for _, top := range set {
				if _, err := os.Lstat(filepath.Join(dest, top)); err == nil {
					tops = append(tops, top)
					if slices.Contains(dirs, top) {
						removed = append(removed, shown+top+"/")
					} else {
						removed = append(removed, shown+top)
					}
				}
			}
		}
		for _, e := range entries {
			fresh[e.Name] = true
		}
	}
	if len(removed) > 0 {
		changes["removed"] = removed
	}
	if cleanParent && !created {
		changes["removed"] = fmt.Sprintf("Directory %s was removed prior to the extraction", shown)
		created = true
		for _, e := range entries {
			fresh[e.Name] = true
		}
	}
	if created {
		changes["directories_created"] = []any{shown}
	}
	changes["extracted_files"] = files
	// Salt sets user and group after the extraction, and reports the
	// ownership it had to change; a new member is first the runner's.
	if perms.uid >= 0 || perms.gid >= 0 {
		for _, n := range archOwned(dest, entries, ownRel) {
			uid, gid := os.Geteuid(), os.Getegid()
			if fi, err := os.Lstat(filepath.Join(dest, filepath.FromSlash(n))); err == nil && !overwrite && !fresh[n] {
				uid, gid = fileOwnerOf(fi)
			}
			if perms.uid >= 0 && uid != perms.uid || perms.gid >= 0 && gid != perms.gid {
				changes["updated ownership"] = true
				break
			}
		}
	}
	trimmed := ""
	if trim > 0 {
		trimmed = fmt.Sprintf(". Output was trimmed to %d number of lines", trim)
	}
	if req.Test {
		if testComment != "" {
			return Result{Name: req.Name, Result: None, Changes: changes, Comment: testComment}
		}
		after := ""
		if clean {
			after = ", after cleaning destination path(s)"
		}
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Archive %s would be extracted to %s%s%s", shownSrc, shown, after, why), Warnings: warnings}
	}
	if err := ctx.Err(); err != nil {
		return Failf(req.Name, "not run: %v", err)
	}
	if cleanParent {
		if err := os.RemoveAll(dest); err != nil {
			return Failf(req.Name, "Unable to remove the directory %s. The following errors were observed:\n\n- %v", shown, err)
		}
	}
	if err := archRemove(dest, append(tops, wrongNamesIf(!clean && force, wrongNames)...)); err != nil {
		return Failf(req.Name, "One or more paths could not be cleaned. The following errors were observed:\n\n- %v", err)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if err := archExtract(dest, entries); err != nil {
		return Failf(req.Name, "Unable to extract %s: %v", shownSrc, err)
	}
	if perms.uid >= 0 || perms.gid >= 0 {
		if err := archChown(dest, archOwned(dest, entries, ownRel), perms); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	if err := recordSum(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("%s extracted to %s%s%s", shownSrc, shown, why, trimmed), Warnings: warnings}
}

// archHashDir is where source_hash_update keeps each source's last
// checksum (Salt's is cachedir/archive_hash).
const archHashDir = "/var/cache/brine/archive_hash"

// archHashName is the file of a source's checksum: a digest of the
// source as written, so that any URL makes one safe file name.
func archHashName(source string) string {
	h := sha256.Sum256([]byte(source))
	return hex.EncodeToString(h[:16]) + ".hash"
}

// wrongNamesIf is names when cond holds, else none.
func wrongNamesIf(cond bool, names []string) []string {
	if cond {
		return names
	}
	return nil
}

// archTopKinds splits the archive's top-level names into directories
// (a member lies under it, or it is a directory member) and the rest.
func archTopKinds(entries []archEntry) (dirs, plain []string) {
	for _, top := range archTopLevel(entries) {
		if archIsDirPrefix(entries, top) {
			dirs = append(dirs, top)
		} else {
			plain = append(plain, top)
		}
	}
	return dirs, plain
}

// archRemove removes members (slash-separated, relative) under dest,
// through an os.Root so that a link on the way cannot lead out of it.
func archRemove(dest string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, n := range names {
		if err := root.RemoveAll(filepath.FromSlash(n)); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

// archTrim reads trim_output as Salt's extracted() does: True is 100, a
// number (or a string of one) that many, False or nothing no trimming.
func archTrim(a *Args) (int, error) {
	v, ok := a.Get("trim_output")
	if !ok || v == nil {
		return 0, nil
	}
	switch t := v.(type) {
	case bool:
		if t {
			return 100, nil
		}
		return 0, nil
	case int:
		return max(t, 0), nil
	case int64:
		return max(int(t), 0), nil
	case float64:
		return max(int(t), 0), nil
	case string:
		if b, err := strconv.ParseBool(t); err == nil && !b {
			return 0, nil
		}
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return max(n, 0), nil
		}
	}
	return 0, &ArgError{Arg: "trim_output", Err: fmt.Errorf("Invalid value for trim_output, must be True/False or an integer")}
}

// archIsDirPrefix reports whether top is a directory of the archive: some
// member lies under it.
func archIsDirPrefix(entries []archEntry, top string) bool {
	for _, e := range entries {
		if strings.HasPrefix(e.Name, top+"/") || e.Name == top && e.Type == tar.TypeDir {
			return true
		}
	}
	return false
}

// archExtract writes the members under dest through an os.Root, which
// refuses any path that resolves outside dest.
func archExtract(dest string, entries []archEntry) error {
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, e := range entries {
		name := filepath.FromSlash(e.Name)
		if dir := filepath.Dir(name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		}
		// Whatever is in the way and is not a directory goes: a link
		// there must not be written through.
		if fi, err := root.Lstat(name); err == nil && (e.Type != tar.TypeDir || !fi.IsDir()) {
			if fi.IsDir() {
				return fmt.Errorf("%s: a directory is in the way", e.Name)
			}
			if err := root.Remove(name); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		}
		switch e.Type {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
			if err := root.Chmod(name, e.Mode); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		case tar.TypeReg:
			r, err := e.open()
			if err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
			f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscallNoFollow, e.Mode)
			if err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
			_, err = io.Copy(f, r)
			if rc, ok := r.(io.Closer); ok {
				rc.Close()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
			if err := root.Chmod(name, e.Mode); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		case tar.TypeSymlink:
			if err := root.Symlink(e.Link, name); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		case tar.TypeLink:
			if err := root.Link(filepath.FromSlash(e.Link), name); err != nil {
				return fmt.Errorf("%s: %w", e.Name, err)
			}
		}
	}
	return nil
}

// archOwned are the paths (slash-separated, relative to dest) whose
// owner user and group set: the members, or with enforce_ownership_on
// (rel) that path and what is under it, as Salt's file.directory
// recurse does, plus the members that will be there. The walk goes
// through an os.Root, so that a link cannot lead it out of dest.
func archOwned(dest string, entries []archEntry, rel string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, e := range entries {
		if rel == "" || rel == "." || e.Name == rel || strings.HasPrefix(e.Name, rel+"/") {
			add(e.Name)
		}
	}
	if rel == "" {
		return out
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return out
	}
	defer root.Close()
	fs.WalkDir(root.FS(), rel, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			add(p)
		}
		return nil
	})
	return out
}

// archChown sets owner and group on each path, links themselves.
func archChown(dest string, names []string, p filePerms) error {
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, n := range names {
		if err := root.Lchown(filepath.FromSlash(n), p.uid, p.gid); err != nil {
			return fmt.Errorf("chown %s: %w", n, err)
		}
	}
	return nil
}

// archCursor reads the members of a tar stream in order for extraction:
// a member after the last one read costs only the skip to it, so that
// extracting in archive order reads the stream once.
type archCursor struct {
	open func() (*tar.Reader, error)
	tr   *tar.Reader
	pos  int
}

func (c *archCursor) seek(idx int) (io.Reader, error) {
	if c.tr == nil || idx <= c.pos {
		tr, err := c.open()
		if err != nil {
			return nil, err
		}
		c.tr, c.pos = tr, -1
	}
	for c.pos < idx {
		if _, err := c.tr.Next(); err != nil {
			return nil, err
		}
		c.pos++
	}
	return c.tr, nil
}
