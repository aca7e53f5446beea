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
			return false, false, fmt.Errorf("renderer %q (from the #!%s line) is not supported: brine renders jinja, yaml, json and gpg (without encrypted values)", strings.TrimSpace(r), spec)
		}
	}
	return jinja, gpg, nil
}

// pgpBegin starts an armored PGP message, which Salt's gpg renderer
// decrypts (GPG_CIPHERTEXT in salt/renderers/gpg.py).
var pgpBegin = []byte("-----BEGIN PGP MESSAGE-----")

// checkGPG is Salt's gpg renderer where nothing is encrypted: the data
// passes through unchanged, as Salt's does. brine holds no keys to
// decrypt with, so an encrypted value is an error that says so, rather
// than ciphertext handed to a state as if it were the value.
func checkGPG(out []byte) error {
	if i := bytes.Index(out, pgpBegin); i >= 0 {
		line := 1 + bytes.Count(out[:i], []byte("\n"))
		return fmt.Errorf("renderer \"gpg\": line %d holds a PGP message, which brine cannot decrypt: give the value in clear (in pillar) instead", line)
	}
	return nil
}
