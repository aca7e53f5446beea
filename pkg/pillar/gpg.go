package pillar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

// DefaultGPGKeyDir is where the keys are unless gpg_keydir says (Salt's
// is gpgkeys beside its config, /etc/salt/gpgkeys).
const DefaultGPGKeyDir = "/etc/brine/gpgkeys"

// GPG decrypts the PGP messages of pillar files whose renderer pipe ends
// in gpg (#!yaml|gpg), as Salt's gpg renderer (salt/renderers/gpg.py)
// does with the master's keys.
type GPG struct {
	// KeyDir is the GnuPG home holding the secret keys (gpg_keydir).
	KeyDir string
	// MustSucceed is gpg_decrypt_must_succeed: a message that does not
	// decrypt fails its SLS rather than stay as it was (Salt 3006's
	// default is false).
	MustSucceed bool
	// Log gets the warning for a message that does not decrypt.
	Log *slog.Logger
	// command runs gpg in unit tests; nil runs the gpg on PATH.
	command func(ctx context.Context, keyDir string, cipher []byte) (out, errOut []byte, err error)
}

// pgpMessage is Salt's GPG_CIPHERTEXT: an armored message anywhere in a
// string, the shortest from its first line to its last.
var pgpMessage = regexp.MustCompile(`(?s)-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----`)

// DecryptError is a PGP message gpg could not decrypt, with
// gpg_decrypt_must_succeed set.
type DecryptError struct {
	Cipher, Stderr string
}

func (e *DecryptError) Error() string {
	return fmt.Sprintf("Could not decrypt cipher %q, received: %q", e.Cipher, e.Stderr)
}

// ErrGPGUnavailable is Salt's "GPG unavailable": no gpg on PATH.
var ErrGPGUnavailable = errors.New("GPG unavailable")

// decrypt is Salt's _decrypt_object: every string value, at any depth,
// has its PGP messages replaced by what they decrypt to; keys and other
// values stay as they are. v is changed in place and returned.
func (g *GPG) decrypt(ctx context.Context, v any) (any, error) {
	switch t := v.(type) {
	case string:
		return g.decryptString(ctx, t)
	case *odict.Map:
		for k, x := range t.All() {
			d, err := g.decrypt(ctx, x)
			if err != nil {
				return nil, err
			}
			t.Set(k, d)
		}
	case []any:
		for i, x := range t {
			d, err := g.decrypt(ctx, x)
			if err != nil {
				return nil, err
			}
			t[i] = d
		}
	}
	return v, nil
}

// decryptString is Salt's _decrypt_ciphertexts: each message replaced,
// and, when there was one, the newlines that end the string trimmed (a
// message given as a YAML block scalar ends in one).
func (g *GPG) decryptString(ctx context.Context, s string) (any, error) {
	locs := pgpMessage.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(s[last:l[0]])
		plain, err := g.decryptMessage(ctx, s[l[0]:l[1]])
		if err != nil {
			return nil, err
		}
		b.WriteString(plain)
		last = l[1]
	}
	b.WriteString(s[last:])
	return strings.TrimRight(b.String(), "\n"), nil
}

// decryptMessage is Salt's _decrypt_ciphertext: the message (a literal
// \n in it read as a newline, as a one-line value gives it) through
// `gpg --homedir KEYDIR --status-fd 2 --no-tty -d`; a message gpg gives
// nothing for is logged and kept, or with MustSucceed an error.
func (g *GPG) decryptMessage(ctx context.Context, cipher string) (string, error) {
	cipher = strings.ReplaceAll(cipher, `\n`, "\n")
	run := g.command
	if run == nil {
		run = runGPG
	}
	out, errOut, err := run(ctx, g.KeyDir, []byte(cipher))
	if errors.Is(err, ErrGPGUnavailable) {
		return "", err
	}
	if len(out) > 0 {
		return string(out), nil
	}
	if g.Log != nil {
		g.Log.Warn("Could not decrypt cipher", "keydir", g.KeyDir, "received", string(bytes.TrimSpace(errOut)))
	}
	if g.MustSucceed {
		return "", &DecryptError{Cipher: cipher, Stderr: string(errOut)}
	}
	return cipher, nil
}

func runGPG(ctx context.Context, keyDir string, cipher []byte) (out, errOut []byte, err error) {
	bin, err := exec.LookPath("gpg")
	if err != nil {
		return nil, nil, ErrGPGUnavailable
	}
	cmd := exec.CommandContext(ctx, bin, "--homedir", keyDir, "--status-fd", "2", "--no-tty", "-d")
	cmd.Stdin = bytes.NewReader(cipher)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	// gpg's exit status is not looked at, as Salt does not: what it
	// wrote out is the answer.
	_ = cmd.Run()
	return o.Bytes(), e.Bytes(), nil
}
