package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// Salt's hosts module, the reading half (salt/modules/hosts.py
// _list_hosts): /etc/hosts (the image's under --root) as
// {ip: {aliases: [...], comment: ...}}, its comment lines as
// comment-N: [line]. Formulas read it while rendering to find a host's
// address before they change the file (hosts.get_ip).

func init() {
	register("hosts.list_hosts", hostsListHosts, "Return the hosts file's entries: {ip: {aliases: [names], comment: text}}, and each comment line as comment-N: [line], as Salt's.")
	register("hosts.get_ip", hostsGetIP, "Return the address the hosts file gives a name (the first line that has it), \"\" when none does.",
		states.Param{Name: "host", Type: states.String, Required: true, Doc: "the name."})
	register("hosts.get_alias", hostsGetAlias, "Return the names the hosts file gives an address, in its order ([] when it has none).",
		states.Param{Name: "ip", Type: states.String, Required: true, Doc: "the address."})
	register("hosts.has_pair", hostsHasPair, "Return True when the hosts file gives the address the name (or every name of a list).",
		states.Param{Name: "ip", Type: states.String, Required: true, Doc: "the address."},
		states.Param{Name: "alias", Type: states.Any, Required: true, Doc: "a name, or a list of names."})
}

// hostsEntry is one address of the hosts file: its names, in order,
// from every line that has it, and the comment of the last line that
// had one.
type hostsEntry struct {
	aliases    []any
	comment    string
	hasComment bool
}

// hostsFile is _list_hosts: the entries by address in the file's
// order, and the comment lines. A missing file is empty, as Salt's
// (ENOENT ignored).
func hostsFile(c *call) (order []string, entries map[string]*hostsEntry, comments []string, err error) {
	p, err := rootfs.Resolve(c.host.Root, "/etc/hosts", true)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", c.fun, err)
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, map[string]*hostsEntry{}, nil, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", c.fun, err)
	}
	entries = map[string]*hostsEntry{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			comments = append(comments, line)
			continue
		}
		comment, hasComment := "", false
		if i := strings.IndexByte(line, '#'); i >= 0 {
			comment, hasComment = strings.TrimLeft(line[i+1:], " \t\n\r\v\f"), true
			line = strings.TrimSpace(line[:i])
		}
		comps := strings.Fields(line)
		if len(comps) == 0 {
			// Salt's comps.pop(0) of nothing: a line that is all
			// comment after its blanks was taken above; none is left.
			continue
		}
		e := entries[comps[0]]
		if e == nil {
			e = &hostsEntry{aliases: []any{}}
			entries[comps[0]] = e
			order = append(order, comps[0])
		}
		for _, a := range comps[1:] {
			e.aliases = append(e.aliases, a)
		}
		// Salt's `if comment:`: an empty comment sets none.
		if hasComment && comment != "" {
			e.comment, e.hasComment = comment, true
		}
	}
	return order, entries, comments, nil
}

func hostsListHosts(_ context.Context, c *call) Return {
	_, entries, comments, err := hostsFile(c)
	if err != nil {
		return failed(err.Error())
	}
	out := map[string]any{}
	for i, l := range comments {
		out[fmt.Sprintf("comment-%d", i)] = []any{l}
	}
	for ip, e := range entries {
		m := map[string]any{"aliases": e.aliases}
		if e.hasComment {
			m["comment"] = e.comment
		}
		out[ip] = m
	}
	return nested(out)
}

func hostsGetIP(_ context.Context, c *call) Return {
	order, entries, _, err := hostsFile(c)
	if err != nil {
		return failed(err.Error())
	}
	for _, ip := range order {
		for _, a := range entries[ip].aliases {
			if a == c.str("host") {
				return nested(ip)
			}
		}
	}
	return nested("")
}

func hostsGetAlias(_ context.Context, c *call) Return {
	_, entries, _, err := hostsFile(c)
	if err != nil {
		return failed(err.Error())
	}
	if e, ok := entries[c.str("ip")]; ok {
		return nested(e.aliases)
	}
	return nested([]any{})
}

func hostsHasPair(_ context.Context, c *call) Return {
	_, entries, _, err := hostsFile(c)
	if err != nil {
		return failed(err.Error())
	}
	e, ok := entries[c.str("ip")]
	if !ok {
		return nested(false)
	}
	has := map[string]bool{}
	for _, a := range e.aliases {
		has[a.(string)] = true
	}
	switch want := c.kw["alias"].(type) {
	case []any:
		// set(alias).issubset(aliases)
		for _, w := range want {
			if s, ok := w.(string); !ok || !has[s] {
				return nested(false)
			}
		}
		return nested(true)
	case string:
		return nested(has[want])
	default:
		// Python's `1 in ["1"]`: a name that is not a string is never
		// in the list.
		return nested(false)
	}
}
