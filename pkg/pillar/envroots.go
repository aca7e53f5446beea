package pillar

import (
	"strings"

	"github.com/brine-cm/brine/pkg/fileroot"
)

// EnvAny is the pillar_roots environment Salt maps to whatever pillar
// environment a render asks for (__env__).
const EnvAny = "__env__"

// EnvRoots is the pillar roots a render reads, as Salt's
// Pillar.__gen_opts makes them: an __env__ entry becomes the roots of
// the render's environment (its pillarenv, else its saltenv, else base),
// with __env__ in each path replaced by that name, unless the roots
// have that environment already, when __env__ is dropped. roots is left
// alone.
func EnvRoots(roots fileroot.Roots, pillarenv, saltenv string) fileroot.Roots {
	anyRoots, ok := roots[EnvAny]
	if !ok {
		return roots
	}
	env := pillarenv
	if env == "" {
		env = saltenv
	}
	if env == "" {
		env = "base"
	}
	out := make(fileroot.Roots, len(roots))
	for e, dirs := range roots {
		if e != EnvAny {
			out[e] = dirs
		}
	}
	if _, have := out[env]; !have {
		dirs := make([]string, len(anyRoots))
		for i, d := range anyRoots {
			dirs[i] = strings.ReplaceAll(d, EnvAny, env)
		}
		out[env] = dirs
	}
	return out
}
