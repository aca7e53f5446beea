package exec

import (
	"context"
	"fmt"

	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

// Salt's config module (salt/modules/config.py), the same functions
// templates call as salt['config.get'] (pkg/sls/jinja), over the options
// templates see as opts, the grains and the pillar.

func init() {
	omit := func(store string) states.Param {
		return states.Param{Name: "omit_" + store, Type: states.Bool, Default: false, Doc: "leave out the " + map[string]string{
			"opts": "minion's options", "grains": "grains", "pillar": "pillar", "master": "master's options (pillar['master'])"}[store] + "."}
	}
	register("config.get", templateFunc("config.get"), "Return a value from the minion's options, else its grains, else its pillar, else the master's options (pillar['master']), else Salt's defaults: config.get pkg:apache. Nested keys are joined by the delimiter.",
		states.Param{Name: "key", Type: states.String, Required: true, Doc: "the key, such as pkg:apache."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "what to return when no store has the key."},
		states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates nested keys."},
		states.Param{Name: "merge", Type: states.String, Doc: "recurse or overwrite: merge the stores (the minion's options over grains over pillar over the master's) and search the result."},
		omit("opts"), omit("pillar"), omit("master"), omit("grains"))
	register("config.option", templateFunc("config.option"), "Return a top-level option from the same stores as config.get, in the same order, with Salt's defaults (redis.host…) last.",
		states.Param{Name: "value", Type: states.String, Required: true, Doc: "the option, or with wildcard a glob."},
		states.Param{Name: "default", Type: states.Any, Doc: "what to return when no store has it: '' (with wildcard: {})."},
		omit("opts"), omit("grains"), omit("pillar"), omit("master"),
		states.Param{Name: "omit_all", Type: states.Bool, Default: false, Doc: "search Salt's defaults only."},
		states.Param{Name: "wildcard", Type: states.Bool, Default: false, Doc: "value is a glob: return a dict of every matching option."})
	register("config.merge", templateFunc("config.merge"), "Return an option merged from the minion's options, the master's and the pillar: dicts merged (the first store wins), lists joined; a string from the first store that has it.",
		states.Param{Name: "value", Type: states.String, Required: true, Doc: "the option."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "what to return when no store has it."},
		omit("opts"), omit("master"), omit("pillar"))
	register("config.items", templateFunc("config.items"), "Return the minion's options, as templates see them as opts.")

	// grains.filter_by and has_value, the same code as the templates'
	// salt['grains.filter_by'], as Salt's grains module has them.
	register("grains.filter_by", templateFunc("grains.filter_by"), "Return the entry of a lookup dict that a grain's value selects (os_family by default): grains.filter_by '{Debian: {pkg: apache2}, RedHat: {pkg: httpd}}'.",
		states.Param{Name: "lookup_dict", Type: states.Map, Required: true, Doc: "the lookup dict, keyed by the grain's values (globs allowed)."},
		states.Param{Name: "grain", Type: states.String, Default: "os_family", Doc: "the grain, nested keys joined by ':'."},
		states.Param{Name: "merge", Type: states.Any, Doc: "a dict merged over the entry found."},
		states.Param{Name: "default", Type: states.String, Default: "default", Doc: "the key of the entry to use when none matches."},
		states.Param{Name: "base", Type: states.String, Doc: "the key of an entry the one found is merged over."})
	register("environ.get", templateFunc("environ.get"), "Return an environment variable of the minion: environ.get PATH; default when it is not set.",
		states.Param{Name: "key", Type: states.String, Required: true, Doc: "the variable."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "what to return when it is not set."})
	register("test.provider", templateFunc("test.provider"), "Return the name of Salt's module that provides a virtual module here: test.provider service (systemd_service…), test.provider pkg (aptpkg…).",
		states.Param{Name: "module", Type: states.String, Required: true, Doc: "service or pkg."})
	register("file.normpath", templateFunc("file.normpath"), "Return a path with . and .. parts and doubled slashes taken out, as Python's os.path.normpath.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the path."})
	// file functions the templates have, under the host's root.
	register("file.exists", templateFunc("file.exists"), "Return True when something is at the path (a file, a directory, a link to one).",
		states.Param{Name: "path", Type: states.Path, Required: true, Doc: "the path."})
	register("file.access", templateFunc("file.access"), "Return True when the path may be reached in the mode: f (it exists), r, w or x, as Python's os.access.",
		states.Param{Name: "path", Type: states.Path, Required: true, Doc: "the path."},
		states.Param{Name: "mode", Type: states.Any, Required: true, Doc: "f, r, w or x (or 0, 4, 2, 1)."})
	register("file.contains_regex", templateFunc("file.contains_regex"), "Return True when a line of the file matches the Python regular expression.",
		states.Param{Name: "path", Type: states.Path, Required: true, Doc: "the file."},
		states.Param{Name: "regex", Type: states.String, Required: true, Doc: "a Python regular expression, matched against each line (re.search)."},
		states.Param{Name: "lchar", Type: states.String, Default: "", Doc: "accepted and ignored (Salt strips it from each line's start)."})
	// Salt's hashutil module, the templates' code.
	instr := states.Param{Name: "instr", Type: states.String, Required: true, Doc: "the text."}
	register("hashutil.digest", templateFunc("hashutil.digest"), "Return the hex digest of a text: hashutil.digest 'get salted' [checksum=sha256].",
		instr, states.Param{Name: "checksum", Type: states.String, Default: "md5", Doc: "md5, sha256 or sha512."})
	for _, sum := range []string{"md5", "sha256", "sha512"} {
		register("hashutil."+sum+"_digest", templateFunc("hashutil."+sum+"_digest"), "Return the "+sum+" hex digest of a text.", instr)
	}
	register("hashutil.base64_b64encode", templateFunc("hashutil.base64_b64encode"), "Return a text in base64, on one line.", instr)
	register("hashutil.base64_encodestring", templateFunc("hashutil.base64_encodestring"), "Return a text in base64, in lines of 76 characters, as Python's base64.encodebytes.", instr)
	register("hashutil.base64_b64decode", templateFunc("hashutil.base64_b64decode"), "Return the text a base64 string holds.", instr)
	register("hashutil.base64_decodestring", templateFunc("hashutil.base64_decodestring"), "Return the text base64 lines hold.", instr)
	hmacArgs := []states.Param{
		{Name: "string", Type: states.String, Required: true, Doc: "the message."},
		{Name: "shared_secret", Type: states.String, Required: true, Doc: "the secret."},
	}
	register("hashutil.hmac_compute", templateFunc("hashutil.hmac_compute"), "Return the base64 HMAC-SHA256 of a message, as Salt's.", hmacArgs...)
	register("hashutil.hmac_signature", templateFunc("hashutil.hmac_signature"), "Return True when challenge_hmac is the message's HMAC-SHA256 (base64) under the secret.",
		append(hmacArgs, states.Param{Name: "challenge_hmac", Type: states.String, Required: true, Doc: "the HMAC to check."})...)
	register("grains.has_value", templateFunc("grains.has_value"), "Return True when the grain is set to a true value (not empty, 0 or False).",
		states.Param{Name: "key", Type: states.String, Required: true, Doc: "the grain, nested keys joined by ':'."})
}

// templateFuncArgs is templateFunc for a function that takes the values of
// its argument many (a Many param) as positional arguments.
func templateFuncArgs(name, many string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		h := c.host
		f := jinja.SaltFuncs(jinja.SaltContext{ID: h.ID, Grains: h.Grains, Pillar: h.Pillar, LocalPillar: h.LocalPillar, Root: h.Root,
			Opts: templateOpts(h, h.Env, false), Exec: templateCaller(ctx, h)})[name]
		var args []any
		for _, a := range c.strings(many) {
			args = append(args, a)
		}
		v, err := f(args, nil)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", name, err))
		}
		return nested(v)
	}
}

// templateCaller is what a template function may call of the host's (config.get
// reads an sdb:// value through sdb.get), as a render would.
func templateCaller(ctx context.Context, h *Host) func(string, []any, map[string]any) (any, error) {
	return func(fun string, args []any, kw map[string]any) (any, error) {
		return templateExec(ctx, h, fun, args, kw)
	}
}

// templateFunc runs the template function of that name (pkg/sls/jinja)
// with the call's arguments, by name, over the host's opts, grains and
// pillar.
func templateFunc(name string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		h := c.host
		f := jinja.SaltFuncs(jinja.SaltContext{ID: h.ID, Grains: h.Grains, Pillar: h.Pillar, LocalPillar: h.LocalPillar, Root: h.Root,
			Opts: templateOpts(h, h.Env, false), Exec: templateCaller(ctx, h)})[name]
		kw := map[string]any{}
		for k, v := range c.kw {
			if v != nil {
				kw[k] = v
			}
		}
		v, err := f(nil, kw)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", name, err))
		}
		return nested(v)
	}
}
