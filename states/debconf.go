package states

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	Register("debconf.set", debconfSet,
		Param{Name: "name", Type: String, Doc: "the package the answers are for, as debconf-set-selections takes it (mysql-server, tzdata)."},
		Param{Name: "data", Type: Map, Required: true, Doc: "the answers: question → {type: string|boolean|select|multiselect|note|text|password, value: …}."},
		saltKwargs,
	)
}

// debconfHost is where debconf keeps its answers and how they are set;
// unit tests replace it.
type debconfHost struct {
	dir string // /var/cache/debconf
	run sysRunner
}

func debconfLive() debconfHost { return debconfHost{dir: "/var/cache/debconf", run: sysExec} }

// Set preseeds debconf answers for a package, as debconf-set-selections
// does, so that its install or dpkg-reconfigure takes them.
//
// The answers in place are read from debconf's own files (config.dat,
// passwords.dat, and templates.dat for their types), so that
// debconf-utils is not needed; a boolean is written true or false, as
// Salt writes it.
//
// Salt: comments and changes are Salt's debconf.set; a dry run reports the value a real run sets, where Salt's says "New value: X"; not supported under --root.
func debconfSet(ctx context.Context, req *Request) Result {
	return debconfSetOn(ctx, req, debconfLive())
}

// debconfAnswer is one question's wanted answer.
type debconfAnswer struct {
	question, typ, value string
}

func debconfSetOn(ctx context.Context, req *Request, host debconfHost) Result {
	answers, err := debconfAnswers(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if !req.Live() {
		return Failf(req.Name, "debconf.set: not supported with --root: debconf's database is the running host's")
	}
	current, err := debconfCurrent(host.dir)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{}
	var unchanged []string
	var todo []debconfAnswer
	for _, a := range answers {
		if c, ok := current[a.question]; ok && c.value == a.value && (c.typ == "" || c.typ == a.typ) {
			unchanged = append(unchanged, a.question)
			continue
		}
		todo = append(todo, a)
		if a.typ == "password" {
			changes[a.question] = "(password hidden)"
		} else {
			changes[a.question] = a.value
		}
	}
	comment := ""
	if len(unchanged) > 0 {
		comment = "Unchanged answers: " + strings.Join(unchanged, " ") + " "
	}
	switch {
	case len(todo) == 0:
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: "All specified answers are already set"}
	case req.Test:
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: comment}
	}
	if err := debconfApply(ctx, req.Name, todo, host); err != nil {
		for _, a := range todo {
			changes[a.question] = "Failed to set!"
		}
		return Result{Name: req.Name, Result: False, Changes: changes, Comment: "Some settings failed to be applied. " + err.Error()}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: comment}
}

// debconfAnswers reads data: each question's type and value, a boolean
// as "true" or "false" (Salt's), any other value as Python's str().
func debconfAnswers(req *Request) ([]debconfAnswer, error) {
	data := req.Args.Dict("data")
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	if req.Name == "" || strings.ContainsAny(req.Name, " \t\n") {
		return nil, &ArgError{Arg: "name", Err: fmt.Errorf("want a package name, got %q", req.Name)}
	}
	keys := make([]string, 0, len(data))
	if m, ok := req.Args.asGiven["data"].(*odict.Map); ok {
		keys = m.Keys()
	} else {
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	var out []debconfAnswer
	for _, q := range keys {
		spec, ok := data[q].(map[string]any)
		if !ok {
			return nil, &ArgError{Arg: "data", Err: fmt.Errorf("%s: want {type: …, value: …}, got %s", q, typeName(data[q]))}
		}
		typ, _ := spec["type"].(string)
		if typ == "" {
			return nil, &ArgError{Arg: "data", Err: fmt.Errorf("%s: no type", q)}
		}
		v, has := spec["value"]
		if !has {
			return nil, &ArgError{Arg: "data", Err: fmt.Errorf("%s: no value", q)}
		}
		value := pyfmt.Str(v)
		if s, isStr := v.(string); isStr {
			value = s
		}
		if typ == "boolean" {
			b, err := ParseBool(v)
			if err != nil {
				return nil, &ArgError{Arg: "data", Err: fmt.Errorf("%s: a boolean: %v", q, err)}
			}
			value = map[bool]string{true: "true", false: "false"}[b]
		}
		if strings.ContainsAny(q, " \t\n") || strings.Contains(value, "\n") {
			return nil, &ArgError{Arg: "data", Err: fmt.Errorf("%s: a question has no blanks and a value no newline", q)}
		}
		out = append(out, debconfAnswer{question: q, typ: typ, value: value})
	}
	if len(out) == 0 {
		return nil, &ArgError{Arg: "data", Err: errors.New("no answers")}
	}
	return out, nil
}

// debconfCurrent reads the answers debconf holds: each question's value
// (passwords.dat's for passwords) and its template's type.
func debconfCurrent(dir string) (map[string]debconfAnswer, error) {
	types := map[string]string{}
	if err := debconfStanzas(filepath.Join(dir, "templates.dat"), func(f map[string]string) {
		types[f["Name"]] = f["Type"]
	}); err != nil {
		return nil, err
	}
	out := map[string]debconfAnswer{}
	for _, db := range []string{"config.dat", "passwords.dat"} {
		err := debconfStanzas(filepath.Join(dir, db), func(f map[string]string) {
			if _, has := f["Value"]; !has {
				return
			}
			tmpl := f["Template"]
			if tmpl == "" {
				tmpl = f["Name"]
			}
			out[f["Name"]] = debconfAnswer{question: f["Name"], typ: types[tmpl], value: f["Value"]}
		})
		if err != nil && !(db == "passwords.dat" && (errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission))) {
			return nil, err
		}
	}
	return out, nil
}

// debconfStanzas calls fn with the fields of each stanza of a debconf
// file (Name: …, Value: …, separated by blank lines; continuation lines
// are skipped).
func debconfStanzas(path string, fn func(map[string]string)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("debconf: %w", err)
	}
	f := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(f) > 0 {
				fn(f)
				f = map[string]string{}
			}
		case line[0] == ' ' || line[0] == '\t':
		default:
			if k, v, ok := strings.Cut(line, ":"); ok {
				f[k] = strings.TrimPrefix(v, " ")
			}
		}
	}
	if len(f) > 0 {
		fn(f)
	}
	return sc.Err()
}

// debconfApply sets the answers with debconf-set-selections, from a
// private file (a password never goes on a command line).
func debconfApply(ctx context.Context, pkg string, answers []debconfAnswer, host debconfHost) error {
	dir, err := os.MkdirTemp("", "brine-debconf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var b strings.Builder
	for _, a := range answers {
		fmt.Fprintf(&b, "%s %s %s %s\n", pkg, a.question, a.typ, a.value)
	}
	file := filepath.Join(dir, "selections")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		return err
	}
	_, err = host.run(ctx, nil, "debconf-set-selections", file)
	return err
}
