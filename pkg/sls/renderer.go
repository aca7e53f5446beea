package sls

import (
	"bytes"
	"fmt"
	"strings"
)

// renderPipe reads the renderer line Salt allows at the top of an SLS
// file, `#!jinja|yaml`, `#!yaml`, `#!json`…, and says whether Jinja runs
// on the file. A file without one is Jinja then YAML, as Salt's default
// renderer is. Renderers brine does not have (py, pyobjects, mako, gpg…)
// are an error that names them, rather than a YAML error on Python text.
func renderPipe(src []byte) (jinja bool, err error) {
	if !bytes.HasPrefix(src, []byte("#!")) {
		return true, nil
	}
	line, _, _ := bytes.Cut(src[2:], []byte("\n"))
	spec := strings.TrimSpace(string(line))
	// `#!jinja|yaml -o` style arguments follow a space.
	spec, _, _ = strings.Cut(spec, " ")
	jinja = false
	for _, r := range strings.Split(spec, "|") {
		switch strings.TrimSpace(r) {
		case "jinja":
			jinja = true
		case "yaml", "yamlex", "json", "":
		default:
			return false, fmt.Errorf("renderer %q (from the #!%s line) is not supported: brine renders jinja, yaml and json", strings.TrimSpace(r), spec)
		}
	}
	return jinja, nil
}
