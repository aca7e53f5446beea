package states

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	name := Param{Name: "name", Type: String, Doc: "the grain; nested keys joined by the delimiter (roles, or app:tier)."}
	delim := Param{Name: "delimiter", Type: String, Default: ":", Doc: "what joins nested keys in name."}
	Register("grains.present", grainsPresent, name,
		Param{Name: "value", Type: Any, Required: true, Doc: "the value: a string, number, list or mapping."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "overwrite a grain that holds a list or a mapping, or a value where a mapping must go."},
		delim)
	Register("grains.absent", grainsAbsent, name,
		Param{Name: "destructive", Type: Bool, Default: false, Doc: "remove the grain; else it is set to None."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "as in grains.present."},
		delim)
	Register("grains.list_present", grainsListPresent, name,
		Param{Name: "value", Type: Any, Required: true, Doc: "a value, or a list of values, that the list grain must hold."},
		delim)
	Register("grains.list_absent", grainsListAbsent, name,
		Param{Name: "value", Type: Any, Required: true, Doc: "a value, or a list of values, that the list grain must not hold."},
		delim)
	Register("grains.exists", grainsExists, name, delim)
}

// The grains states keep grains in the minion's grains file (Salt's
// /etc/salt/grains) through the grains execution functions, so that a
// state and `brine '*' grains.setval` write the same file the same way,
// and the minion sends its new grains to the master. brine call --local
// needs --grains-file for them.

// grainsView reads the grains as they are now (a state earlier in the
// run may have set one) and the name split into its keys.
func grainsView(ctx context.Context, req *Request) (map[string]any, []string, error) {
	delim := req.Args.String("delimiter", ":")
	if err := req.Args.Err(); err != nil {
		return nil, nil, err
	}
	if delim == "" {
		return nil, nil, &ArgError{Arg: "delimiter", Err: errors.New("empty")}
	}
	if req.Name == "" {
		return nil, nil, &ArgError{Arg: "name", Err: errors.New("want a grain, got nothing")}
	}
	if req.Env == nil || req.Env.Exec == nil {
		return nil, nil, errors.New("grains states need the minion's execution functions, which this run has not")
	}
	v, ok := req.Env.Exec.Call(ctx, "grains.items", nil, nil)
	g, isMap := v.(map[string]any)
	if !ok || !isMap {
		return nil, nil, fmt.Errorf("grains.items: %v", v)
	}
	return g, strings.Split(req.Name, delim), nil
}

// grainsLookup is the value at keys, as Salt's traverse_dict_and_list
// finds it (a list is searched for a mapping that has the key).
func grainsLookup(g map[string]any, keys []string) (any, bool) {
	var cur any = g
	for _, k := range keys {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			found := false
			for _, item := range t {
				if m, ok := item.(map[string]any); ok {
					if v, ok := m[k]; ok {
						cur, found = v, true
						break
					}
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return cur, true
}

func grainsComplex(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// grainsSet works out what Salt's grains.set writes: the top-level grain
// with val at keys inside it (or the key removed, destructive with a nil
// val). It returns that grain's name and new value, or Salt's refusal.
func grainsSet(g map[string]any, keys []string, val any, force, destructive bool) (string, any, error) {
	name := strings.Join(keys, ":")
	existing, exists := grainsLookup(g, keys)
	if exists && existing != nil && !force {
		switch {
		case grainsComplex(existing):
			return "", nil, fmt.Errorf("The key '%s' exists but is a dict or a list. Use 'force=True' to overwrite.", name)
		case grainsComplex(val):
			return "", nil, fmt.Errorf("The key '%s' exists and the given value is a dict or a list. Use 'force=True' to overwrite.", name)
		}
	}
	value := grainsCopy(val)
	for len(keys) > 1 {
		rest := keys[len(keys)-1]
		keys = keys[:len(keys)-1]
		parent, ok := grainsLookup(g, keys)
		if !ok {
			parent = map[string]any{}
		}
		switch t := grainsCopy(parent).(type) {
		case map[string]any:
			if value == nil && destructive {
				delete(t, rest)
			} else {
				t[rest] = value
			}
			value = t
		case []any:
			updated := false
			for i, item := range t {
				if s, ok := item.(string); ok && s == rest {
					t[i] = map[string]any{rest: value}
					updated = true
				} else if m, ok := item.(map[string]any); ok {
					if _, has := m[rest]; has {
						m[rest] = value
						updated = true
					}
				}
			}
			if !updated {
				t = append(t, map[string]any{rest: value})
			}
			value = t
		default:
			if s, ok := parent.(string); !(ok && s == rest) && !force {
				return "", nil, fmt.Errorf("The key '%s' value is '%s', which is different from the provided key '%s'. Use 'force=True' to overwrite.",
					strings.Join(keys, ":"), pyfmt.Str(parent), rest)
			}
			value = map[string]any{rest: value}
		}
	}
	return keys[0], value, nil
}

// grainsCopy copies the maps and lists of a value, so that working out a
// change never edits the grains it read.
func grainsCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = grainsCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = grainsCopy(x)
		}
		return l
	}
	return v
}

// grainsWrite keeps a top-level grain's new value (nil and destructive:
// removes it) in the grains file.
func grainsWrite(ctx context.Context, req *Request, key string, val any, destructive bool) error {
	fun, kw := "grains.setval", map[string]any{"key": key, "val": val}
	if val == nil && destructive {
		fun, kw = "grains.delval", map[string]any{"key": key, "destructive": true}
	}
	if ret, ok := req.Env.Exec.Call(ctx, fun, nil, kw); !ok {
		return fmt.Errorf("%v", ret)
	}
	return nil
}

// Present makes sure a grain has a value.
//
// Salt: comments and refusals are Salt's grains.present and grains.set; a dry run reports the changes of the real run ({grain: its new value}), where Salt's says {new: name} or {changed: {name: value}}.
func grainsPresent(ctx context.Context, req *Request) Result {
	g, keys, err := grainsView(ctx, req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	value, _ := req.Args.Get("value")
	force := req.Args.Bool("force", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := strings.Join(keys, ":")
	if cur, ok := grainsLookup(g, keys); ok && reflect.DeepEqual(cur, value) {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Grain is already set"}
	}
	top, topVal, err := grainsSet(g, keys, value, force, false)
	if err != nil {
		return Failf(name, "%v", err)
	}
	changes := map[string]any{top: topVal}
	if req.Test {
		verb := "changed"
		if _, ok := grainsLookup(g, keys); !ok {
			verb = "added"
		}
		return Result{Name: name, Result: None, Changes: changes, Comment: "Grain " + name + " is set to be " + verb}
	}
	if err := grainsWrite(ctx, req, top, topVal, false); err != nil {
		return Failf(name, "%v", err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: "Set grain " + name + " to " + pyfmt.Str(value)}
}

// Absent makes sure a grain is None, or with destructive not there.
//
// Salt: comments and changes are Salt's grains.absent.
func grainsAbsent(ctx context.Context, req *Request) Result {
	g, keys, err := grainsView(ctx, req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	destructive := req.Args.Bool("destructive", false)
	force := req.Args.Bool("force", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := strings.Join(keys, ":")
	cur, exists := grainsLookup(g, keys)
	switch {
	case !exists:
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Grain " + name + " does not exist"}
	case cur == nil && !destructive:
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Grain is already set"}
	}
	top, topVal, err := grainsSet(g, keys, nil, force, destructive)
	if err != nil {
		return Failf(name, "%v", err)
	}
	changes := map[string]any{"grain": name, "value": nil}
	comment, testComment := "Value for grain "+name+" was set to None", "Value for grain "+name+" is set to be deleted (None)"
	if destructive {
		changes = map[string]any{"deleted": name}
		comment, testComment = "Grain "+name+" was deleted", "Grain "+name+" is set to be deleted"
	}
	if req.Test {
		return Result{Name: name, Result: None, Changes: changes, Comment: testComment}
	}
	if err := grainsWrite(ctx, req, top, topVal, destructive && len(keys) == 1); err != nil {
		return Failf(name, "%v", err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: comment}
}

// grainsValues is value as a list of values.
func grainsValues(value any) []any {
	if l, ok := value.([]any); ok {
		return l
	}
	return []any{value}
}

func grainsHas(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

// ListPresent makes sure a list grain holds a value, or each of a list of
// values; a missing grain becomes the list.
//
// Salt: comments are Salt's grains.list_present; changes are the real run's, {new: {grain: the new list}}, in a dry run too (Salt's dry run gives {new: the old list}).
func grainsListPresent(ctx context.Context, req *Request) Result {
	g, keys, err := grainsView(ctx, req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	value, _ := req.Args.Get("value")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := strings.Join(keys, ":")
	cur, _ := grainsLookup(g, keys)
	var list []any
	if cur != nil && cur != "" {
		l, ok := cur.([]any)
		if !ok {
			return Failf(name, "Grain %s is not a valid list", name)
		}
		list = l
	}
	add := []any{}
	for _, v := range grainsValues(value) {
		if !grainsHas(list, v) && !grainsHas(add, v) {
			add = append(add, v)
		}
	}
	if len(add) == 0 {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Value %s is already in grain %s", pyfmt.Str(value), name)}
	}
	newList := append(grainsCopy(list).([]any), add...)
	if list == nil {
		newList = add
	}
	top, topVal, err := grainsSet(g, keys, newList, true, false)
	if err != nil {
		return Failf(name, "%v", err)
	}
	changes := map[string]any{"new": map[string]any{name: newList}}
	if req.Test {
		c := fmt.Sprintf("Value %s is set to be appended to grain %s", pyfmt.Str(value), name)
		if list == nil {
			c = "Grain " + name + " is set to be added"
		}
		return Result{Name: name, Result: None, Changes: changes, Comment: c}
	}
	if err := grainsWrite(ctx, req, top, topVal, false); err != nil {
		return Failf(name, "%v", err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: fmt.Sprintf("Append value %s to grain %s", pyfmt.Str(value), name)}
}

// ListAbsent makes sure a list grain does not hold a value, or any of a
// list of values.
//
// Salt: comments and changes are Salt's grains.list_absent ({deleted: the values taken out}).
func grainsListAbsent(ctx context.Context, req *Request) Result {
	g, keys, err := grainsView(ctx, req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	value, _ := req.Args.Get("value")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := strings.Join(keys, ":")
	cur, ok := grainsLookup(g, keys)
	if !ok || cur == nil {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Grain " + name + " does not exist"}
	}
	list, ok := cur.([]any)
	if !ok {
		return Failf(name, "Grain %s is not a valid list", name)
	}
	var kept, gone []any
	for _, x := range list {
		if grainsHas(grainsValues(value), x) {
			if !grainsHas(gone, x) {
				gone = append(gone, x)
			}
			continue
		}
		kept = append(kept, x)
	}
	if len(gone) == 0 {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Value %s is absent from grain %s", pyfmt.Str(value), name)}
	}
	if kept == nil {
		kept = []any{}
	}
	deleted := any(gone)
	if _, isList := value.([]any); !isList {
		deleted = value
	}
	changes := map[string]any{"deleted": deleted}
	top, topVal, err := grainsSet(g, keys, kept, true, false)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if req.Test {
		return Result{Name: name, Result: None, Changes: changes, Comment: fmt.Sprintf("Value %s in grain %s is set to be removed", pyfmt.Str(value), name)}
	}
	if err := grainsWrite(ctx, req, top, topVal, false); err != nil {
		return Failf(name, "%v", err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: fmt.Sprintf("Value %s was deleted from grain %s", pyfmt.Str(value), name)}
}

// Exists checks that a grain is set; it changes nothing.
//
// Salt: comments are Salt's grains.exists.
func grainsExists(ctx context.Context, req *Request) Result {
	g, keys, err := grainsView(ctx, req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := strings.Join(keys, ":")
	if _, ok := grainsLookup(g, keys); ok {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Grain exists"}
	}
	return Result{Name: name, Result: False, Changes: map[string]any{}, Comment: "Grain does not exist"}
}
