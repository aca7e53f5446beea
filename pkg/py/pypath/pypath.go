// Package pypath is Python's posixpath: the path arithmetic Salt's file
// functions do with os.path (normpath, join, dirname, basename), which
// differs from Go's path package: Python's join and dirname do not clean
// the path, basename of "a/" is "", normpath keeps a leading "//".
package pypath

import "strings"

// Normpath is posixpath.normpath: "." for an empty path; "." and empty
// parts dropped, ".." eats the part before it (and is dropped at the
// root); one leading slash kept, two kept as two, three or more as one.
func Normpath(p string) string {
	if p == "" {
		return "."
	}
	initial := 0
	if strings.HasPrefix(p, "/") {
		initial = 1
		if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
			initial = 2
		}
	}
	var out []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
			continue
		case c != ".." || (initial == 0 && len(out) == 0) || (len(out) > 0 && out[len(out)-1] == ".."):
			out = append(out, c)
		case len(out) > 0:
			out = out[:len(out)-1]
		}
	}
	s := strings.Repeat("/", initial) + strings.Join(out, "/")
	if s == "" {
		return "."
	}
	return s
}

// Join is posixpath.join: each part appended with a "/" between unless
// the path so far is empty or ends in one; a part starting with "/"
// starts the path again. Nothing is cleaned.
func Join(first string, rest ...string) string {
	p := first
	for _, b := range rest {
		switch {
		case strings.HasPrefix(b, "/"):
			p = b
		case p == "" || strings.HasSuffix(p, "/"):
			p += b
		default:
			p += "/" + b
		}
	}
	return p
}

// Split is posixpath.split: head and tail around the last "/", the
// head's trailing slashes removed unless it is all slashes.
func Split(p string) (head, tail string) {
	i := strings.LastIndex(p, "/") + 1
	head, tail = p[:i], p[i:]
	if head != "" && head != strings.Repeat("/", len(head)) {
		head = strings.TrimRight(head, "/")
	}
	return head, tail
}

// Dirname is posixpath.dirname: Split's head.
func Dirname(p string) string { h, _ := Split(p); return h }

// Basename is posixpath.basename: what follows the last "/" ("" when the
// path ends in one).
func Basename(p string) string { return p[strings.LastIndex(p, "/")+1:] }
