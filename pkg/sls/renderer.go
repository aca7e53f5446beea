package sls

import (
	"bytes"
	"fmt"
	"strings"
)

// renderPipe reads the renderer line Salt allows at the top of an SLS
// file, `#!jinja|yaml`, `#!yaml`, `#!json`…, and says whether Jinja runs
// on the file, and whether it ends in gpg. A file without one is Jinja
// then YAML, as Salt's default renderer is. Renderers brine does not have
// (py, pyobjects, mako…) are an error that names them, rather than a YAML
// error on Python text.
func renderPipe(src []byte) (jinja, gpg bool, err error) {
	if !bytes.HasPrefix(src, []byte("#!")) {
		return true, false, nil
	}
	line, _, _ := bytes.Cut(src[2:], []byte("\n"))
	spec := strings.TrimSpace(string(line))
	// `#!jinja|yaml -o` style arguments follow a space.
	spec, _, _ = strings.Cut(spec, " ")
	for _, r := range strings.Split(spec, "|") {
		switch strings.TrimSpace(r) {
		case "jinja":
			jinja = true
		case "gpg":
			gpg = true
		case "yaml", "yamlex", "json", "":
		default:
			return false, false, fmt.Errorf("renderer %q (from the #!%s line) is not supported: brine renders jinja, yaml, json and gpg (whose encrypted values it decrypts in pillar alone)", strings.TrimSpace(r), spec)
		}
	}
	return jinja, gpg, nil
}

// EndsInGPG reports whether an SLS file's renderer line ends its pipe in
// gpg (#!yaml|gpg, #!jinja|yaml|gpg): its data is then for a caller that
// decrypts (pkg/pillar, with Compiler.DecryptsGPG).
func EndsInGPG(src []byte) bool {
	_, gpg, err := renderPipe(src)
	return err == nil && gpg
}

// pgpBegin starts an armored PGP message, which Salt's gpg renderer
// decrypts (GPG_CIPHERTEXT in salt/renderers/gpg.py).
var pgpBegin = []byte("-----BEGIN PGP MESSAGE-----")

// checkGPG is Salt's gpg renderer where nothing is encrypted: the data
// passes through unchanged, as Salt's does. A state tree's renders hold
// no keys to decrypt with (the master's pillar does: pkg/pillar), so an
// encrypted value is an error that says so, rather than ciphertext
// handed to a state as if it were the value.
func checkGPG(out []byte) error {
	if i := bytes.Index(out, pgpBegin); i >= 0 {
		line := 1 + bytes.Count(out[:i], []byte("\n"))
		return fmt.Errorf("renderer \"gpg\": line %d holds a PGP message, which brine cannot decrypt here: put the value in pillar, whose gpg renderer decrypts it with the master's gpg_keydir", line)
	}
	return nil
}
