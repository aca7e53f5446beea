package states

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/py/pyre"
)

func init() {
	Register("file.tidied", fileTidied,
		Param{Name: "name", Type: String, Doc: "the directory tree to tidy."},
		Param{Name: "age", Type: Int, Default: 0, Doc: "remove what is at least this many days old (by time_comparison)."},
		Param{Name: "matches", Type: StringList, Doc: `regular expressions (Python's, matched from the start of the name) of what may go; [".*"] when not given.`},
		Param{Name: "rmdirs", Type: Bool, Default: false, Doc: "directories may go too."},
		Param{Name: "size", Type: Any, Default: 0, Doc: `remove files of at least this size: bytes, or "10M"-style (K, M, G, T, P, 1024-based).`},
		Param{Name: "exclude", Type: StringList, Doc: "regular expressions of what stays, among what matches."},
		Param{Name: "full_path_match", Type: Bool, Default: false, Doc: "match matches and exclude against the whole path, not the name."},
		Param{Name: "followlinks", Type: Bool, Default: false, Doc: "descend into linked directories."},
		Param{Name: "time_comparison", Type: String, Default: "atime", Doc: "the time age looks at: atime, mtime or ctime."},
		Param{Name: "age_size_logical_operator", Type: String, Default: "OR", Doc: "OR: old enough or big enough goes; AND: both."},
		Param{Name: "age_size_only", Type: String, Doc: `"age" or "size": only that criterion counts.`},
		Param{Name: "rmlinks", Type: Bool, Default: true, Doc: "symbolic links may go."},
		saltKwargs,
	)
}

// fileTidied removes what in a directory tree is old or big enough and
// matches, as Salt's file.tidied does: deepest first, each directory's
// files then its subdirectories. With age and size both 0 (the
// defaults) everything that matches goes.
//
// Changes are {removed: [paths]}.
//
// Salt: comments and changes are Salt 3006's file.tidied; the paths of a
// directory are taken in name order (Salt's in the order the directory
// lists them).
func fileTidied(ctx context.Context, req *Request) Result {
	a := &req.Args
	age := a.Int("age", 0)
	matches := a.StringList("matches")
	rmdirs := a.Bool("rmdirs", false)
	exclude := a.StringList("exclude")
	fullPath := a.Bool("full_path_match", false)
	followLinks := a.Bool("followlinks", false)
	timeCmp := strings.ToLower(a.String("time_comparison", "atime"))
	logic := strings.ToUpper(a.String("age_size_logical_operator", "OR"))
	only := strings.ToLower(a.String("age_size_only", ""))
	rmlinks := a.Bool("rmlinks", true)
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	rawSize, _ := a.Get("size")
	size, err := humanToBytes(rawSize)
	if err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "size", Err: err})
	}
	if !filepath.IsAbs(req.Name) {
		return Failf(req.Name, "Specified file %s is not an absolute path", req.Name)
	}
	dir, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return Failf(req.Name, "%s does not exist or is not a directory.", req.Name)
	}
	if timeCmp != "atime" && timeCmp != "mtime" && timeCmp != "ctime" {
		timeCmp = "atime"
	}
	if len(matches) == 0 {
		matches = []string{".*"}
	}
	compile := func(arg string, pats []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, p := range pats {
			rx, err := pyre.CompileMatch(p, 0)
			if err != nil {
				return nil, &ArgError{Arg: arg, Err: err}
			}
			out = append(out, rx)
		}
		return out, nil
	}
	progs, err := compile("matches", matches)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	exes, err := compile("exclude", exclude)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	matched := func(name string) bool {
		for _, p := range progs {
			if p.MatchString(name) {
				for _, x := range exes {
					if x.MatchString(name) {
						return false
					}
				}
				return true
			}
		}
		return false
	}
	today := dateOf(time.Now())
	var todelete []string // paths as the SLS names them
	var walk func(host, shown string)
	walk = func(host, shown string) {
		entries, err := os.ReadDir(host)
		if err != nil {
			return
		}
		var files, dirs []os.DirEntry
		for _, e := range entries {
			hp := filepath.Join(host, e.Name())
			isDir := e.IsDir()
			if e.Type()&os.ModeSymlink != 0 {
				// os.walk lists a link to a directory among the directories,
				// and follows it only with followlinks.
				if fi, err := os.Stat(hp); err == nil && fi.IsDir() {
					isDir = true
				}
			}
			if isDir {
				dirs = append(dirs, e)
			} else {
				files = append(files, e)
			}
		}
		for _, d := range dirs {
			if d.Type()&os.ModeSymlink == 0 || followLinks {
				walk(filepath.Join(host, d.Name()), filepath.Join(shown, d.Name()))
			}
		}
		consider := func(e os.DirEntry, isDir bool) {
			hp := filepath.Join(host, e.Name())
			path := filepath.Join(shown, e.Name())
			var st syscall.Stat_t
			deleteme, mysize := true, int64(0)
			if e.Type()&os.ModeSymlink != 0 {
				if syscall.Lstat(hp, &st) != nil {
					return
				}
				deleteme = rmlinks
			} else {
				if syscall.Stat(hp, &st) != nil {
					return
				}
				if isDir {
					deleteme = rmdirs
				} else {
					mysize = st.Size
				}
			}
			ts := st.Atim
			switch timeCmp {
			case "mtime":
				ts = st.Mtim
			case "ctime":
				ts = st.Ctim
			}
			days := int(today.Sub(dateOf(time.Unix(ts.Sec, ts.Nsec))).Hours() / 24)
			if days < 0 {
				days = -days
			}
			name := e.Name()
			if fullPath {
				name = path
			}
			var ok bool
			switch {
			case only == "age":
				ok = days >= age
			case only == "size":
				ok = mysize >= size
			case logic == "AND":
				ok = mysize >= size && days >= age
			default:
				ok = mysize >= size || days >= age
			}
			if ok && matched(name) && deleteme {
				todelete = append(todelete, path)
			}
		}
		for _, f := range files {
			consider(f, false)
		}
		for _, d := range dirs {
			consider(d, true)
		}
	}
	walk(dir, req.Name)
	if len(todelete) == 0 {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Nothing to remove from directory %s", req.Name), Changes: map[string]any{}}
	}
	removed := make([]any, 0, len(todelete))
	if req.Test {
		for _, p := range todelete {
			removed = append(removed, p)
		}
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("%s is set for tidy", req.Name), Changes: map[string]any{"removed": removed}}
	}
	for _, p := range todelete {
		hp, err := rootPath(req, "name", p, false)
		if err == nil {
			err = os.RemoveAll(hp)
		}
		if err != nil {
			r := Failf(req.Name, "%v", err)
			r.Changes = map[string]any{"removed": removed}
			return r
		}
		removed = append(removed, p)
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Removed %d files or directories from directory %s", len(todelete), req.Name), Changes: map[string]any{"removed": removed}}
}

// dateOf is the local calendar day of t, as Python's date.fromtimestamp.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// humanToBytes is Salt's salt.utils.stringutils.human_to_bytes: a number
// of bytes, or a number with a unit K, M, G, T or P (B, KB, MB… too),
// 1024-based; what it cannot read is 0, as in Salt.
func humanToBytes(v any) (int64, error) {
	switch t := v.(type) {
	case nil:
		return 0, nil
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case float64:
		return int64(t), nil
	case string:
		s := strings.ToUpper(strings.TrimSpace(t))
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9') {
			i++
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, nil
		}
		unit := strings.TrimSuffix(strings.TrimSpace(s[i:]), "B")
		exp := map[string]int{"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}
		e, ok := exp[unit]
		if !ok {
			return 0, nil
		}
		for ; e > 0; e-- {
			n *= 1024
		}
		return n, nil
	}
	return 0, fmt.Errorf("want a number of bytes, got %s", pyTypeName(v))
}
