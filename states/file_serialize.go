package states

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	Register("file.serialize", fileSerialize,
		fileName("the path of the file."),
		Param{Name: "dataset", Type: Any, Doc: "the data to write: a mapping (or a list, for json and yaml)."},
		Param{Name: "dataset_pillar", Type: String, Doc: `a pillar path such as "app:config" whose value is the data.`},
		Param{Name: "serializer", Type: String, Doc: "json, yaml (the default), or configparser (also ini): a mapping of sections to mappings of keys."},
		Param{Name: "formatter", Type: String, Doc: "the old name of serializer."},
		Param{Name: "merge_if_exists", Type: Bool, Default: false, Doc: "read the existing file with the same format and merge dataset over it, mappings key by key."},
		Param{Name: "serializer_opts", Type: Any, Doc: "accepted for Salt; brine's output format is fixed (see below)."},
		Param{Name: "deserializer_opts", Type: Any, Doc: "accepted for Salt."},
		fileUserParam, fileGroupParam,
		Param{Name: "mode", Type: Mode, Doc: "the file mode; a new file gets 0644."},
		fileMakedirs,
		Param{Name: "backup", Type: String, Doc: `"minion" keeps a copy of the old file, as file.managed's.`},
		fileShowChange,
		Param{Name: "create", Type: Bool, Default: true, Doc: "create the file when missing."},
		Param{Name: "encoding", Type: String, Doc: "accepted for Salt; files are UTF-8."},
		saltKwargs,
	)
}

// fileSerializer returns the serializer's canonical name.
func fileSerializer(name string) (string, error) {
	switch strings.ToLower(name) {
	case "yaml":
		return "yaml", nil
	case "json":
		return "json", nil
	case "configparser", "ini":
		return "ini", nil
	}
	return "", &ArgError{Arg: "serializer", Err: fmt.Errorf("want json, yaml or configparser, got %q", name)}
}

// fileSerializeData writes data in a format as Salt's file.serialize
// does with its default serializer options: json as json.dumps with
// indent 2 and sorted keys (salt.utils.json keeps non-ASCII as it is); yaml as PyYAML's safe_dump in
// block style, without allow_unicode; ini sections and keys sorted. Each
// ends with a newline.
func fileSerializeData(format string, data any) ([]byte, error) {
	switch format {
	case "json":
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(filePyJSON(data)); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case "yaml":
		return []byte(pyyaml.EmitWith(pyyaml.Represent(data), pyyaml.EmitOptions{})), nil
	}
	m, ok := data.(map[string]any)
	if !ok {
		return nil, errors.New("configparser wants a mapping of sections")
	}
	secs := make([]string, 0, len(m))
	for k := range m {
		secs = append(secs, k)
	}
	sort.Strings(secs)
	var b strings.Builder
	for _, s := range secs {
		keys, ok := m[s].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("configparser: section %q: want a mapping of keys", s)
		}
		fmt.Fprintf(&b, "[%s]\n", s)
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v, ok := scalarString(keys[k])
			if !ok {
				return nil, fmt.Errorf("configparser: %s.%s: want a value, got %s", s, k, typeName(keys[k]))
			}
			fmt.Fprintf(&b, "%s = %s\n", k, strings.ReplaceAll(v, "\n", "\n\t"))
		}
		b.WriteString("\n")
	}
	return []byte(b.String()), nil
}

// filePyJSON gives floats Python's spelling (1.0, not 1) for the JSON
// encoder.
func filePyJSON(v any) any {
	switch t := v.(type) {
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return t
		}
		return json.RawMessage(pyfmt.Float(t))
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = filePyJSON(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = filePyJSON(x)
		}
		return l
	}
	return v
}

// fileDeserialize reads a file of a format back, for merge_if_exists.
func fileDeserialize(format string, data []byte) (any, error) {
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		return fileJSONNumbers(v), nil
	case "yaml":
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return fileYAMLPlain(v), nil
	}
	out := map[string]any{}
	for _, l := range iniParse(data) {
		if l.Header {
			if out[l.Section] == nil {
				out[l.Section] = map[string]any{}
			}
		} else if l.Key != "" && l.Section != "" {
			out[l.Section].(map[string]any)[l.Key] = l.Value
		}
	}
	return out, nil
}

// fileJSONNumbers types the numbers of decoded JSON as json.loads does:
// an integer literal an int, any other a float.
func fileJSONNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, x := range t {
			t[k] = fileJSONNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = fileJSONNumbers(x)
		}
	}
	return v
}

// fileYAMLPlain turns yaml.v3's map[string]interface{} trees into
// map[string]any with string keys throughout.
func fileYAMLPlain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = fileYAMLPlain(x)
		}
		return t
	case map[any]any:
		m := map[string]any{}
		for k, x := range t {
			m[fmt.Sprint(k)] = fileYAMLPlain(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = fileYAMLPlain(x)
		}
	}
	return v
}

// fileSameData reports whether two decoded datasets are equal as Python
// compares them: numbers by value whatever their type (a file's 1.0 is a
// dataset's 1), mappings key by key, lists item by item.
func fileSameData(a, b any) bool {
	if x, ok := fileNumber(a); ok {
		y, ok := fileNumber(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !fileSameData(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !fileSameData(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// fileNumber is a decoded number as a float64.
func fileNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// fileMerge merges b over a, mappings key by key, as Salt's
// dictupdate.merge_recurse.
func fileMerge(a, b any) any {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return b
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for k, v := range bm {
		if cur, ok := out[k]; ok {
			out[k] = fileMerge(cur, v)
		} else {
			out[k] = v
		}
	}
	return out
}

// Serialize writes a data structure to a file as json, yaml or an ini
// file, through the same check-and-apply as file.managed.
//
// Salt: comments are file.managed's, the dry run's is Salt's ("Dataset will be serialized and stored into X"); with merge_if_exists a file whose data equals the merged data is left as it is, however laid out ("The file X is in the correct state"); json and yaml are written as Salt's default serializer options write them (json indent 2, sorted keys, non-ASCII kept; yaml block style as PyYAML's safe_dump, non-ASCII escaped), ini sorted, whatever serializer_opts say; plist, toml, msgpack and python are not supported.
func fileSerialize(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	ser := a.String("serializer", "")
	if ser == "" {
		ser = a.String("formatter", "yaml")
	}
	merge := a.Bool("merge_if_exists", false)
	makedirs := a.Bool("makedirs", false)
	show := a.Bool("show_changes", true)
	create := a.Bool("create", true)
	backup := a.String("backup", "")
	pillarKey := a.String("dataset_pillar", "")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	format, err := fileSerializer(ser)
	if err != nil {
		return fileFail(req, err)
	}
	perms, err := fileReadPerms(req, "mode")
	if err != nil {
		return fileFail(req, err)
	}
	var dataset any
	switch {
	case a.Has("dataset") && pillarKey != "":
		return Failf(req.Name, "Only one of 'dataset' and 'dataset_pillar' is permitted")
	case pillarKey != "":
		var pillar map[string]any
		if req.Env != nil {
			pillar = req.Env.Pillar
		}
		v, ok := fileTraverse(pillar, pillarKey)
		if !ok {
			return fileFail(req, &ArgError{Arg: "dataset_pillar", Err: fmt.Errorf("pillar %q is not set", pillarKey)})
		}
		dataset = v
	default:
		v, ok := a.Get("dataset")
		if !ok {
			return fileFail(req, &ArgError{Arg: "dataset", Err: errors.New("Neither 'dataset' nor 'dataset_pillar' was defined")})
		}
		dataset = v
	}
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists && !create {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "File " + req.Name + " is not present and is not set for creation"}
	}
	if merge && cur.exists {
		old, err := fileDeserialize(format, cur.data)
		if err != nil {
			return fileFail(req, fmt.Errorf("Failed to deserialize existing data: %v", err))
		}
		merged := fileMerge(old, dataset)
		if fileSameData(old, merged) {
			// Salt compares the data, not the bytes: a file that already
			// holds it, however laid out, is left as it is.
			return Result{Name: req.Name, Result: True, Changes: map[string]any{},
				Comment: "The file " + req.Name + " is in the correct state"}
		}
		dataset = merged
	}
	data, err := fileSerializeData(format, dataset)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "dataset", Err: err})
	}
	if !cur.exists {
		if err := fileEnsureParent(req, path, makedirs, perms, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: data, perms: perms, showChanges: show,
		backup: backup, makedirs: makedirs, dirMode: fileDefaultDirMode})
	if err != nil {
		return fileFail(req, err)
	}
	switch {
	case len(changes) == 0:
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fileCorrectComment(req.Name, req.Test)}
	case req.Test:
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: "Dataset will be serialized and stored into " + req.Name}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: "File " + req.Name + " updated"}
}
