package sshrun

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nkeys"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/proto"
)

// Where --bootstrap installs a minion: the paths of the shipped unit
// (examples/systemd/brine-minion.service) and of minion.yaml's defaults.
const (
	MinionBin    = "/usr/local/bin/brine"
	MinionConfig = "/etc/brine/minion.yaml"
	MinionKey    = "/var/lib/brine/minion/minion.nk"
	MinionUnit   = "/etc/systemd/system/brine-minion.service"
)

// The scripts of --bootstrap, constants as the others (remote.go).
const (
	// checkMinionScript refuses a host that is a minion already (its
	// key would change under the master's feet) or has no systemd.
	checkMinionScript = `k=$1
if [ -e "$k" ]; then echo "brine: this host has a minion key already ($k): it is a minion; brine key delete it and remove the file to bootstrap it again" >&2; exit 98; fi
command -v systemctl >/dev/null || { echo "brine: no systemctl on this host: --bootstrap installs a systemd unit" >&2; exit 98; }`

	// putScript writes stdin to a file with a mode, through a temp file
	// renamed into place, making its directory (0700 for new ones).
	putScript = `f=$1 m=$2 t="$1.brine-tmp"
umask 077
mkdir -p -- "$(dirname -- "$f")" && cat > "$t" && chmod "$m" -- "$t" && mv -f -- "$t" "$f" || { rm -f -- "$t"; exit 1; }`

	// startScript installs the cached binary as the minion's, and
	// starts the unit without waiting for it (Type=notify).
	startScript = `d=$1 bin=$2 unit=$3
t="$bin.brine-tmp"
cp -- "$d/brine" "$t" && chmod 0755 -- "$t" && mv -f -- "$t" "$bin" || { rm -f -- "$t"; exit 1; }
systemctl daemon-reload && systemctl enable --quiet "$unit" && systemctl restart --no-block "$unit"`

	// removeScript takes the key back when the master would not accept it.
	removeScript = `rm -f -- "$1"`
)

// Bootstrap is what --bootstrap installs: a minion of this master.
type Bootstrap struct {
	MasterURL    string // minion.yaml's master
	MasterFinger string // minion.yaml's master_finger ("": trust on first use)
	Unit         []byte // the systemd unit
	// Accept accepts the minion's id with its public key on the master,
	// before the minion first starts.
	Accept func(ctx context.Context, id, nkey string) error
}

// BootstrapResult is one host's bootstrap.
type BootstrapResult struct {
	Result
	Finger string // the minion key's fingerprint, as brine key lists it
}

// minionYAML is minion.yaml for a host: its id, the master, and the
// roster's minion_opts.
func (b *Bootstrap) minionYAML(h *Host) ([]byte, error) {
	doc := map[string]any{}
	for k, v := range h.MinionOpts {
		doc[k] = v
	}
	doc["id"] = h.ID
	doc["master"] = b.MasterURL
	if b.MasterFinger != "" {
		doc["master_finger"] = b.MasterFinger
	}
	var buf bytes.Buffer
	buf.WriteString("# Written by brine ssh --bootstrap.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("minion.yaml for %s: %w", h.ID, err)
	}
	return buf.Bytes(), nil
}

// BootstrapHost makes a host a minion: brine in its cache dir as for a
// run, then the minion's key made here and accepted on the master, its
// config, key and unit written, the binary installed and the unit
// started. The host then connects as an accepted minion.
func BootstrapHost(ctx context.Context, h *Host, b *Bootstrap, o *Options) BootstrapResult {
	res := BootstrapResult{Result: Result{ID: h.ID}}
	fail := func(err error) BootstrapResult { res.Err = err; return res }
	conf, err := b.minionYAML(h)
	if err != nil {
		return fail(err)
	}
	bin, want, err := o.binary()
	if err != nil {
		return fail(err)
	}
	r, copied, err := o.prepare(ctx, h, bin, want)
	res.Copied = copied
	if err != nil {
		return fail(err)
	}
	defer r.c.Close()
	if _, err := r.output(ctx, "check "+h.ID, []string{"sh", "-c", checkMinionScript, "sh", MinionKey}, nil); err != nil {
		return fail(err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return fail(fmt.Errorf("minion key: %w", err))
	}
	seed, err := kp.Seed()
	if err != nil {
		return fail(fmt.Errorf("minion key: %w", err))
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return fail(fmt.Errorf("minion key: %w", err))
	}
	for _, f := range []struct {
		path, mode string
		data       []byte
	}{
		{MinionKey, "0600", append(seed, '\n')},
		{MinionConfig, "0644", conf},
		{MinionUnit, "0644", b.Unit},
	} {
		if _, err := r.output(ctx, "write "+f.path, []string{"sh", "-c", putScript, "sh", f.path, f.mode}, bytes.NewReader(f.data)); err != nil {
			return fail(err)
		}
	}
	if err := b.Accept(ctx, h.ID, pub); err != nil {
		_, _ = r.output(ctx, "remove "+MinionKey, []string{"sh", "-c", removeScript, "sh", MinionKey}, nil)
		return fail(fmt.Errorf("accept %s on the master: %w", h.ID, err))
	}
	unit := MinionUnit[strings.LastIndex(MinionUnit, "/")+1:]
	if _, err := r.output(ctx, "start "+unit, []string{"sh", "-c", startScript, "sh", h.Dir(), MinionBin, unit}, nil); err != nil {
		return fail(err)
	}
	res.Finger = proto.Finger([]byte(pub))[:47]
	return res
}
