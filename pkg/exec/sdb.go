package exec

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// Salt's sdb module (salt/modules/sdb.py over salt/utils/sdb.py): a value
// named by an sdb://PROFILE/KEY URI, PROFILE a mapping with a driver key
// among the minion's options, else in its pillar. brine has Salt's env
// and yaml drivers; a profile of another driver is an error.
//
// Profiles are read from minion.yaml (a top-level key whose value is a
// mapping with a driver, as Salt reads any key of its minion config;
// minion.Config.SDB), then the pillar.

func init() {
	uri := states.Param{Name: "uri", Type: states.String, Required: true, Doc: "sdb://PROFILE/KEY; any other string is returned as it is."}
	register("sdb.get", sdbGet, "Return the value an sdb://PROFILE/KEY URI names (None when the driver has none); a string that is no such URI, or whose profile is not configured, is returned as it is. A profile is a top-level key of minion.yaml (or of the pillar) whose value is a mapping with a driver: mysecrets: {driver: env}.",
		uri,
		states.Param{Name: "strict", Type: states.Bool, Default: false, Doc: "a URI that is not sdb://, has no key, or names no configured profile is an error instead."})
	register("sdb.set", sdbSet, "Set the value an sdb://PROFILE/KEY URI names; False when the URI is not one or names no configured profile.",
		uri,
		states.Param{Name: "value", Type: states.Any, Required: true, Doc: "the value."})
	register("sdb.delete", sdbDelete, "Delete the value an sdb://PROFILE/KEY URI names; False when the URI is not one or names no configured profile.",
		uri)
	register("sdb.get_or_set_hash", sdbGetOrSetHash, "Return the value an sdb://PROFILE/KEY URI names; when it has none, set it to a random string of chars and return that. False when the URI is not sdb://.",
		uri,
		states.Param{Name: "length", Type: states.Int, Default: 8, Doc: "the length of the random string."},
		states.Param{Name: "chars", Type: states.String, Default: sdbChars, Doc: "the characters it is drawn from."})
}

const sdbChars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"

// sdbProfile splits an sdb:// URI into its profile and key and finds the
// profile, as salt.utils.sdb does: among the options, else the pillar.
// ok is false when the URI is not one, has no key, or the profile has no
// driver; why says which, in Salt's words.
func sdbProfile(c *call, uri string) (profile map[string]any, key string, ok bool, why string) {
	const scheme = "sdb://"
	if !strings.HasPrefix(uri, scheme) {
		return nil, "", false, `SDB uri must start with "sdb://"`
	}
	name, key, found := strings.Cut(uri[len(scheme):], "/")
	if !found || key == "" {
		return nil, "", false, "SDB uri must have a profile name as a first part of the uri before the /"
	}
	opts := templateOpts(c.host, c.host.Env, false)
	profile, _ = plainMap(opts[name])
	if len(profile) == 0 && c.host.Pillar != nil {
		if v, found := c.host.Pillar.Get(name); found {
			profile, _ = plainMap(v)
		}
	}
	if _, has := profile["driver"]; !has {
		return nil, "", false, fmt.Sprintf(`SDB profile "%s" wasnt found in the minion configuration`, name)
	}
	return profile, key, true, ""
}

// plainMap is a mapping argument or option as a plain map.
func plainMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case *odict.Map:
		p, ok := odict.Plain(m).(map[string]any)
		return p, ok
	}
	return nil, false
}

// sdbDriverError is a profile whose driver brine does not have.
func sdbDriverError(profile map[string]any, fun string) Return {
	return commandError(fmt.Sprintf("sdb driver '%v' is not available (brine has env and yaml): %v.%s", profile["driver"], profile["driver"], fun))
}

func sdbGet(_ context.Context, c *call) Return {
	uri := c.str("uri")
	profile, key, ok, why := sdbProfile(c, uri)
	if !ok {
		if c.boolean("strict") {
			return invocationError(why)
		}
		return nested(c.kw["uri"])
	}
	v, err := sdbDriverGet(c, profile, key)
	if err != nil {
		return commandError(err.Error())
	}
	return nested(v)
}

// errNoDriver is a profile whose driver brine lacks.
var errNoDriver = errors.New("sdb driver not available")

// sdbDriverGet is the driver's get.
func sdbDriverGet(c *call, profile map[string]any, key string) (any, error) {
	switch profile["driver"] {
	case "env":
		// salt/sdb/env.py: os.environ.get(key), None when unset.
		if v, ok := os.LookupEnv(key); ok {
			return v, nil
		}
		return nil, nil
	case "yaml":
		data := sdbYAMLValues(c, profile)
		v, _ := Traverse(data, key, ":")
		return v, nil
	}
	return nil, fmt.Errorf("%w: '%v' (brine has env and yaml)", errNoDriver, profile["driver"])
}

// sdbYAMLValues is salt/sdb/yaml.py's _get_values: the profile's files,
// read in order and merged, each over the ones before; a file that cannot
// be read is logged and skipped, as Salt's.
func sdbYAMLValues(c *call, profile map[string]any) map[string]any {
	files, _ := states.StringList.Decode(profile["files"])
	list, _ := files.([]string)
	merge, _ := plainMap(profile["merge"])
	mergeLists := false
	if m, ok := merge["merge_lists"].(bool); ok {
		mergeLists = m
	}
	ret := map[string]any{}
	for _, f := range list {
		b, err := os.ReadFile(f)
		if err != nil {
			c.host.Log.Error(fmt.Sprintf("File '%s' not found ", f))
			continue
		}
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			c.host.Log.Error(fmt.Sprintf("Error deserializing sdb file '%s': %v", f, err))
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			c.host.Log.Error(fmt.Sprintf("Error deserializing sdb file '%s': not a mapping", f))
			continue
		}
		ret = sdbMerge(ret, m, mergeLists)
	}
	return ret
}

// sdbMerge is salt.utils.dictupdate.update: upd over dest, nested
// mappings merged, lists joined with mergeLists.
func sdbMerge(dest, upd map[string]any, mergeLists bool) map[string]any {
	for k, v := range upd {
		dv, had := dest[k]
		dm, dIsMap := dv.(map[string]any)
		um, uIsMap := v.(map[string]any)
		switch {
		case had && dIsMap && uIsMap:
			dest[k] = sdbMerge(dm, um, mergeLists)
		case had && mergeLists:
			dl, dIsList := dv.([]any)
			ul, uIsList := v.([]any)
			if dIsList && uIsList {
				out := append([]any{}, dl...)
				for _, x := range ul {
					if !containsEqual(out, x) {
						out = append(out, x)
					}
				}
				dest[k] = out
				continue
			}
			dest[k] = v
		default:
			dest[k] = v
		}
	}
	return dest
}

func containsEqual(l []any, x any) bool {
	for _, y := range l {
		if fmt.Sprint(y) == fmt.Sprint(x) {
			return true
		}
	}
	return false
}

func sdbSet(_ context.Context, c *call) Return {
	profile, key, ok, _ := sdbProfile(c, c.str("uri"))
	if !ok {
		return nested(false)
	}
	v, err := sdbDriverSet(profile, key, c.kw["value"])
	if err != nil {
		return commandError(err.Error())
	}
	return nested(v)
}

// errNotImplemented is Salt's NotImplemented: the yaml driver cannot set.
var errNotImplemented = errors.New("NotImplemented: edit the YAML files directly")

// sdbDriverSet is the driver's set.
func sdbDriverSet(profile map[string]any, key string, value any) (any, error) {
	switch profile["driver"] {
	case "env":
		// os.environ.setdefault: an unset variable takes the value; the
		// variable's value is returned either way.
		if v, ok := os.LookupEnv(key); ok {
			return v, nil
		}
		s := pyStr(value)
		if err := os.Setenv(key, s); err != nil {
			return nil, fmt.Errorf("setting %s: %w", key, err)
		}
		return s, nil
	case "yaml":
		return nil, errNotImplemented
	}
	return nil, fmt.Errorf("%w: '%v' (brine has env and yaml)", errNoDriver, profile["driver"])
}

func sdbDelete(_ context.Context, c *call) Return {
	profile, _, ok, _ := sdbProfile(c, c.str("uri"))
	if !ok {
		return nested(false)
	}
	switch profile["driver"] {
	case "env", "yaml":
		// Neither of Salt's env and yaml drivers has a delete: the
		// loader's lookup of DRIVER.delete fails.
		return commandError(fmt.Sprintf("'%v.delete' is not available", profile["driver"]))
	}
	return sdbDriverError(profile, "delete")
}

func sdbGetOrSetHash(_ context.Context, c *call) Return {
	uri := c.str("uri")
	profile, key, ok, _ := sdbProfile(c, uri)
	if !strings.HasPrefix(uri, "sdb://") {
		return nested(false)
	}
	var cur any = uri
	if ok {
		v, err := sdbDriverGet(c, profile, key)
		if err != nil {
			return commandError(err.Error())
		}
		cur = v
	}
	if cur != nil {
		// Salt's `ret or val`: a value the driver has, even an empty
		// one, is not replaced; an empty one returns the random string
		// unstored.
		if pyfmt.Truth(cur) {
			return nested(cur)
		}
		ok = false
	}
	chars := []rune(c.str("chars"))
	if len(chars) == 0 {
		return commandError("chars is empty: there is nothing to draw from")
	}
	n, _ := c.kw["length"].(int)
	var b strings.Builder
	for range n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			return commandError(err.Error())
		}
		b.WriteRune(chars[i.Int64()])
	}
	val := b.String()
	if ok {
		if _, err := sdbDriverSet(profile, key, val); err != nil {
			return commandError(err.Error())
		}
	}
	return nested(val)
}
