package states

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

func init() {
	Register("host.present", hostPresent,
		Param{Name: "name", Type: String, Doc: "the host name."},
		Param{Name: "ip", Type: StringList, Required: true, Doc: "the address, or a list of addresses, the name resolves to."},
		Param{Name: "comment", Type: String, Default: "", Doc: `a comment for the addresses' lines, written "# comment" at their end.`},
		Param{Name: "clean", Type: Bool, Default: false, Doc: "remove the name from addresses not in ip."},
	)
	Register("host.only", hostOnly,
		Param{Name: "name", Type: String, Doc: "the address."},
		Param{Name: "hostnames", Type: StringList, Required: true, Doc: "the names, in order, the address alone maps to; an empty list removes the address's lines."},
	)
	Register("host.absent", hostAbsent,
		Param{Name: "name", Type: String, Doc: "the host name."},
		Param{Name: "ip", Type: StringList, Required: true, Doc: "the address, or a list of addresses, to remove the name from."},
	)
}

// hostsFile is the file the host states edit, under --root too.
const hostsFile = "/etc/hosts"

// hostLine is one line of /etc/hosts: an address and its names, with a
// comment kept as it was.
type hostLine struct {
	Raw     string
	Addr    string // "" for blank and comment lines
	Names   []string
	Comment string // from '#' on, with leading blanks
}

// hostsParse reads /etc/hosts text.
func hostsParse(data []byte) []hostLine {
	var out []hostLine
	for _, raw := range linesSplit(data) {
		l := hostLine{Raw: raw}
		body := raw
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			body, l.Comment = raw[:i], raw[i:]
			if t := strings.TrimRight(body, " \t"); len(t) < len(body) && t != "" {
				l.Comment = body[len(t):] + l.Comment
				body = t
			}
		}
		if f := strings.Fields(body); len(f) > 0 {
			l.Addr, l.Names = f[0], f[1:]
		}
		out = append(out, l)
	}
	return out
}

// text renders a line whose names or comment changed as Salt's
// _write_hosts does: address, two tabs, the names separated by blanks,
// and "<TAB><TAB># comment" when the line has one.
func (l hostLine) text() string {
	s := l.Addr + "\t\t" + strings.Join(l.Names, " ")
	if c := l.commentText(); c != "" {
		s += "\t\t# " + c
	}
	return s
}

// commentText is the line's comment as Salt's _list_hosts reads it: what
// follows the first '#', without the blanks around it.
func (l hostLine) commentText() string {
	c, ok := strings.CutPrefix(strings.TrimLeft(l.Comment, " \t"), "#")
	if !ok {
		return ""
	}
	return strings.TrimSpace(c)
}

// hostsComment is an address's comment as Salt's _list_hosts reads it:
// the last one among the address's lines; ok is false when none has one.
func hostsComment(lines []hostLine, addr string) (c string, ok bool) {
	for _, l := range lines {
		if l.Addr == addr {
			if t := l.commentText(); t != "" {
				c, ok = t, true
			}
		}
	}
	return c, ok
}

// hostsSetComment gives the first line of addr the comment and takes it
// off the address's other lines, so the file reads back as one comment
// (Salt writes each address on one line).
func hostsSetComment(lines []hostLine, addr, comment string) []hostLine {
	first := true
	for i, l := range lines {
		if l.Addr != addr {
			continue
		}
		switch {
		case first:
			l.Comment = "# " + comment
		case l.commentText() != "":
			l.Comment = ""
		default:
			continue
		}
		first = false
		l.Raw = l.text()
		lines[i] = l
	}
	return lines
}

// hostsFirstLine is the index of the address's first line.
func hostsFirstLine(lines []hostLine, addr string) int {
	for i, l := range lines {
		if l.Addr == addr {
			return i
		}
	}
	return len(lines)
}

// hostsAliases are an address's names over all its lines, in order, as
// Salt's get_alias returns them.
func hostsAliases(lines []hostLine, addr string) []string {
	var out []string
	for _, l := range lines {
		if l.Addr == addr {
			out = append(out, l.Names...)
		}
	}
	return out
}

// hostsSet makes names the address's only names, as Salt's set_host does:
// they go on its first line, its other lines go, and with no line one is
// appended; no names removes every line of the address.
func hostsSet(lines []hostLine, addr string, names []string) []hostLine {
	out := lines[:0:0]
	done := false
	for _, l := range lines {
		if l.Addr != addr {
			out = append(out, l)
			continue
		}
		if done || len(names) == 0 {
			continue
		}
		done = true
		l.Names = names
		l.Raw = l.text()
		out = append(out, l)
	}
	if !done && len(names) > 0 {
		l := hostLine{Addr: addr, Names: names}
		l.Raw = l.text()
		out = append(out, l)
	}
	return out
}

func hostsHas(lines []hostLine, addr, name string) bool {
	for _, l := range lines {
		if l.Addr == addr {
			for _, n := range l.Names {
				if n == name {
					return true
				}
			}
		}
	}
	return false
}

// hostsAdd adds name to the first line of addr, or appends a line.
func hostsAdd(lines []hostLine, addr, name string) []hostLine {
	for i, l := range lines {
		if l.Addr == addr {
			l.Names = append(append([]string{}, l.Names...), name)
			l.Raw = l.text()
			lines[i] = l
			return lines
		}
	}
	l := hostLine{Addr: addr, Names: []string{name}}
	l.Raw = l.text()
	return append(lines, l)
}

// hostsRemove takes name off every line of addr; a line left without
// names goes.
func hostsRemove(lines []hostLine, addr, name string) []hostLine {
	out := lines[:0:0]
	for _, l := range lines {
		if l.Addr == addr {
			var keep []string
			for _, n := range l.Names {
				if n != name {
					keep = append(keep, n)
				}
			}
			if len(keep) != len(l.Names) {
				if len(keep) == 0 {
					continue
				}
				l.Names = keep
				l.Raw = l.text()
			}
		}
		out = append(out, l)
	}
	return out
}

func hostsRender(lines []hostLine, orig []byte) []byte {
	if len(lines) == 0 {
		return []byte{}
	}
	return linesJoin(lines, func(l hostLine) string { return l.Raw }, orig)
}

// hostsOpen reads the hosts file of the request's root.
func hostsOpen(req *Request) (hp string, data []byte, lines []hostLine, err error) {
	if hp, err = rootPath(req, "", hostsFile, true); err != nil {
		return "", nil, nil, err
	}
	if data, err = sysReadFile(hp); err != nil {
		return "", nil, nil, fmt.Errorf("read %s: %w", hostsFile, err)
	}
	return hp, data, hostsParse(data), nil
}

func hostCheckArgs(req *Request) ([]string, error) {
	ips := req.Args.StringList("ip")
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	if req.Name == "" || strings.ContainsAny(req.Name, " \t\n#") {
		return nil, &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a host name", req.Name)}
	}
	for _, ip := range ips {
		if _, err := netip.ParseAddr(ip); err != nil {
			return nil, &ArgError{Arg: "ip", Err: fmt.Errorf("Invalid IP Address for %s (%s)", req.Name, ip)}
		}
	}
	return ips, nil
}

// Present makes sure /etc/hosts maps a name to one or more addresses.
//
// A name goes on the line of its address, or on a new line at the end;
// every other line is kept byte for byte. clean takes the name off the
// lines of other addresses.
//
// comment is set at the end of each address's line, "# comment".
//
// Salt: comments, warnings and changes ({added: {ip: [name]}, comment_added: {ip: [comment]}, removed: …}) are Salt's, and a dry run reports the same changes; a dry run that would only set a comment is None (Salt's is True); Salt rewrites the whole file (one line per address, blank lines dropped), brine only the lines it edits, as Salt writes them: "address<TAB><TAB>names", then "<TAB><TAB># comment".
func hostPresent(ctx context.Context, req *Request) Result {
	ips, err := hostCheckArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	clean := req.Args.Bool("clean", false)
	comment := req.Args.String("comment", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	// A comment reads back without its surrounding blanks, and is one line.
	comment = strings.TrimSpace(comment)
	if strings.ContainsAny(comment, "\n\r") {
		return Failf(req.Name, "%v", &ArgError{Arg: "comment", Err: fmt.Errorf("a hosts comment is one line")})
	}
	hp, data, lines, err := hostsOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	want := map[string]bool{}
	for _, ip := range ips {
		want[ip] = true
	}
	var comments, warnings []string
	added, removed, commented := map[string]any{}, map[string]any{}, map[string]any{}
	var recomment, present []string
	for _, ip := range ips {
		// Salt's present(): a comment given is set on an address that
		// gets the name, or that has it and not this comment.
		old, hasComment := hostsComment(lines, ip)
		if comment != "" && (!hasComment || old != comment) && !slices.Contains(recomment, ip) {
			recomment = append(recomment, ip)
		}
		if hostsHas(lines, ip, req.Name) {
			if (comment == "" || hasComment && old == comment) && !slices.Contains(present, ip) {
				present = append(present, ip)
			}
			continue
		}
		lines = hostsAdd(lines, ip, req.Name)
		added[ip] = []any{req.Name}
		if req.Test {
			comments = append(comments, fmt.Sprintf("Host %s (%s) would be added", req.Name, ip))
		} else {
			comments = append(comments, fmt.Sprintf("Added host %s (%s)", req.Name, ip))
		}
	}
	// Salt says what is already there first, in the file's order of the
	// addresses, then what it adds.
	slices.SortStableFunc(present, func(a, b string) int { return hostsFirstLine(lines, a) - hostsFirstLine(lines, b) })
	for i, ip := range present {
		present[i] = fmt.Sprintf("Host %s (%s) already present", req.Name, ip)
	}
	comments = append(present, comments...)
	for _, ip := range recomment {
		lines = hostsSetComment(lines, ip, comment)
		commented[ip] = []any{comment}
		if req.Test {
			comments = append(comments, fmt.Sprintf("Comment for %s (%s) would be added", ip, comment))
		} else {
			comments = append(comments, fmt.Sprintf("Set comment for host %s (%s)", ip, comment))
		}
	}
	var others []string
	for _, l := range lines {
		if l.Addr != "" && !want[l.Addr] && hostsHas([]hostLine{l}, l.Addr, req.Name) {
			others = append(others, l.Addr)
		}
	}
	sort.Strings(others)
	for i, addr := range others {
		if i > 0 && others[i-1] == addr {
			continue
		}
		if !clean {
			warnings = append(warnings, fmt.Sprintf("Host %[1]s present for IP address %[2]s. To get rid of this warning, either run this state with 'clean' set to True to remove %[1]s from %[2]s, or add %[2]s to the 'ip' argument.", req.Name, addr))
			continue
		}
		lines = hostsRemove(lines, addr, req.Name)
		removed[addr] = []any{req.Name}
		if req.Test {
			comments = append(comments, fmt.Sprintf("Host %s (%s) would be removed", req.Name, addr))
		} else {
			comments = append(comments, fmt.Sprintf("Removed host %s (%s)", req.Name, addr))
		}
	}
	changes := map[string]any{}
	if len(added) > 0 {
		changes["added"] = added
	}
	if len(commented) > 0 {
		changes["comment_added"] = commented
	}
	if len(removed) > 0 {
		changes["removed"] = removed
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(comments, "\n"), Warnings: warnings}
	if len(changes) == 0 {
		return res
	}
	if req.Test {
		res.Result = None
		return res
	}
	if err := sysWriteFile(hp, hostsRender(lines, data), 0o644); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return res
}

// Absent makes sure /etc/hosts does not map a name to the given
// addresses.
//
// The name goes from the lines of those addresses; a line left with no
// name goes; every other line is kept byte for byte.
//
// Salt: comments and changes ({host: name}) are Salt's, and a dry run reports those changes too.
func hostAbsent(ctx context.Context, req *Request) Result {
	ips, err := hostCheckArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, data, lines, err := hostsOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var comments []string
	changed := false
	for _, ip := range ips {
		if !hostsHas(lines, ip, req.Name) {
			comments = append(comments, fmt.Sprintf("Host %s (%s) already absent", req.Name, ip))
			continue
		}
		changed = true
		lines = hostsRemove(lines, ip, req.Name)
		if req.Test {
			comments = append(comments, fmt.Sprintf("Host %s (%s) needs to be removed", req.Name, ip))
		} else {
			comments = append(comments, fmt.Sprintf("Removed host %s (%s)", req.Name, ip))
		}
	}
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: strings.Join(comments, "\n")}
	if !changed {
		return res
	}
	res.Changes["host"] = req.Name
	if req.Test {
		res.Result = None
		return res
	}
	if err := sysWriteFile(hp, hostsRender(lines, data), 0o644); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return res
}

// Only makes sure an address maps to the given names and no others.
//
// The names go on the address's first line, in the order given, and its
// other lines go; with no line for it, one is appended; an empty list
// removes every line of the address. Other lines are kept byte for byte.
//
// Salt: comments and changes ({address: {old, new}}, the names joined by blanks) are Salt's, and a dry run reports those changes too (Salt's has none); the edited line keeps its comment (Salt's set_host drops it); name must be an IP address (Salt writes whatever it is given).
func hostOnly(ctx context.Context, req *Request) Result {
	hostnames := req.Args.StringList("hostnames")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if _, err := netip.ParseAddr(req.Name); err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not an IP address", req.Name)})
	}
	var parts []string
	for _, h := range hostnames {
		h = strings.TrimSpace(h)
		if strings.ContainsAny(h, "#\n\r") {
			return Failf(req.Name, "%v", &ArgError{Arg: "hostnames", Err: fmt.Errorf("%q is not a host name", h)})
		}
		// An empty name would never read back, and the state never settle.
		if h != "" {
			parts = append(parts, h)
		}
	}
	// Salt compares the names joined by blanks, as they are given.
	want := strings.Join(parts, " ")
	hp, data, lines, err := hostsOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	old := strings.Join(hostsAliases(lines, req.Name), " ")
	if old == want {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf(`IP address %s already set to "%s"`, req.Name, want), Changes: map[string]any{}}
	}
	changes := map[string]any{req.Name: map[string]any{"old": old, "new": want}}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf(`Would change %s from "%s" to "%s"`, req.Name, old, want), Changes: changes}
	}
	lines = hostsSet(lines, req.Name, strings.Fields(want))
	if err := sysWriteFile(hp, hostsRender(lines, data), 0o644); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf(`successfully changed %s from "%s" to "%s"`, req.Name, old, want), Changes: changes}
}
