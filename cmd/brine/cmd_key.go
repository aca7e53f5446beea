package main

import (
	"bufio"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

type keyOptions struct {
	conn connFlags
	out  outputFlags
	all  bool
	yes  bool
	// salt-key's --include-rejected (accept), --include-accepted (reject)
	// and --include-all (both): a key in the other final state is taken
	// only when asked, so that a plain accept never re-admits a key an
	// operator rejected.
	includeRejected, includeAccepted, includeAll bool
	// salt-key style shortcuts on `brine key` itself.
	accept, reject, del string
	acceptAll, list     bool
	rejectAll, delAll   bool
	listState           string // -l: one state's keys
	finger, print       string
	fingerAll, printAll bool
}

// canConfirm reports whether a confirmation can be asked on this input:
// only a terminal has someone to answer. Tests replace it.
var canConfirm = isTerminalReader

// keyClient is what the key commands ask of the master; tests give a
// fake one.
type keyClient interface {
	Keys(ctx context.Context) ([]proto.KeyInfo, error)
	KeyAction(ctx context.Context, action string, ids []string, all, include bool) ([]string, error)
	Close()
}

// dialKeys connects the key commands to the master.
var dialKeys = func(c *connFlags) (keyClient, error) { return c.dial() }

func newKeyCmd(s *streams) *cobra.Command {
	o := &keyOptions{}
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage minion keys: list, accept, reject, delete, finger",
		Long: `Manage minion keys, as salt-key does.

Keys are named by id or by glob (Salt's fnmatch: *, ?, [...]; several,
comma-separated). An action asks for confirmation, and the answer is no
unless you type y: without a terminal to ask on, nothing changes unless
-y is given. A rejected key is accepted again only with
--include-rejected, an accepted key rejected only with --include-accepted.

It differs from salt-key in: keys are NATS nkeys, not RSA key pairs, so
-f prints an nkey's fingerprint and -p the public nkey; there is no
--gen-keys, --gen-signature or --auto-create; and the sub-commands (list,
accept, reject, delete, finger) stand beside Salt's flags.`,
		Example: `  # List every key by state
  brine key list

  # Accept the pending keys of the web minions, after a look at them
  brine key finger 'web*'
  brine key accept 'web*'

  # Accept every pending key without asking (in a script)
  brine key accept -A -y

  # Accept a key that was rejected
  brine key accept web1 --include-rejected

  # The same, salt-key style
  brine key -a web1 --include-rejected

  # The master's own fingerprints, to compare with a minion's master.pin
  brine key finger`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.shortcut(cmd, s) },
		PersistentPreRunE: func(*cobra.Command, []string) error {
			o.out.applyConfig(o.conn.outputSettings(), changedIn(o.conn.fs))
			return o.out.validate()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.accept, "accept", "a", "", "accept the pending keys that match this glob")
	f.BoolVarP(&o.acceptAll, "accept-all", "A", false, "accept every pending key")
	f.StringVarP(&o.reject, "reject", "r", "", "reject the pending keys that match this glob")
	f.BoolVarP(&o.rejectAll, "reject-all", "R", false, "reject every pending key")
	f.StringVarP(&o.del, "delete", "d", "", "delete the keys that match this glob")
	f.BoolVarP(&o.delAll, "delete-all", "D", false, "delete every key")
	f.BoolVarP(&o.list, "list-all", "L", false, "list every key")
	f.StringVarP(&o.listState, "list", "l", "", "list the keys in one state: pre (or un, unaccepted), acc (accepted), rej (rejected), den (denied), all")
	f.StringVarP(&o.finger, "finger", "f", "", "show the fingerprints of the keys that match this glob")
	f.BoolVarP(&o.fingerAll, "finger-all", "F", false, "show every key's fingerprint, and the master's own")
	f.StringVarP(&o.print, "print", "p", "", "print the public keys (nkeys) of the keys that match this glob")
	f.BoolVarP(&o.printAll, "print-all", "P", false, "print every public key (nkey)")
	pf := cmd.PersistentFlags()
	pf.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (needed when there is no terminal)")
	pf.BoolVar(&o.includeRejected, "include-rejected", false, "accept: take rejected keys too")
	pf.BoolVar(&o.includeAccepted, "include-accepted", false, "reject: take accepted keys too")
	pf.BoolVar(&o.includeAll, "include-all", false, "both --include-rejected and --include-accepted")
	o.conn.add(pf)
	o.out.addData(pf, "salt-key's lists")

	list := &cobra.Command{
		Use: "list", Short: "List keys: accepted, pending (unaccepted), rejected", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.listKeys(cmd.Context(), s) },
	}
	finger := &cobra.Command{
		Use: "finger [GLOB…]", Short: "Show key fingerprints, and the master's own", Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.fingers(cmd.Context(), s, args) },
	}
	cmd.AddCommand(list, finger)
	for _, a := range []struct{ name, short string }{
		{proto.KeyAccept, "Accept pending keys (rejected ones with --include-rejected)"},
		{proto.KeyReject, "Reject pending keys (accepted ones with --include-accepted)"},
		{proto.KeyDelete, "Delete keys"},
	} {
		action := a.name
		c := &cobra.Command{
			Use: action + " [ID|GLOB…]", Short: a.short, Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return o.act(cmd.Context(), s, action, args) },
		}
		c.Flags().BoolVarP(&o.all, "all", "A", false, "every key the action applies to")
		cmd.AddCommand(c)
	}
	return cmd
}

// shortcut runs salt-key's one-letter forms: -a, -A, -r, -d, -L, -f, -F.
func (o *keyOptions) shortcut(cmd *cobra.Command, s *streams) error {
	ctx := cmd.Context()
	switch {
	case o.accept != "":
		return o.act(ctx, s, proto.KeyAccept, []string{o.accept})
	case o.acceptAll:
		o.all = true
		return o.act(ctx, s, proto.KeyAccept, nil)
	case o.reject != "":
		return o.act(ctx, s, proto.KeyReject, []string{o.reject})
	case o.rejectAll:
		o.all = true
		return o.act(ctx, s, proto.KeyReject, nil)
	case o.del != "":
		return o.act(ctx, s, proto.KeyDelete, []string{o.del})
	case o.delAll:
		o.all = true
		return o.act(ctx, s, proto.KeyDelete, nil)
	case o.finger != "":
		return o.fingers(ctx, s, []string{o.finger})
	case o.fingerAll:
		return o.fingers(ctx, s, nil)
	case o.print != "":
		return o.printKeys(ctx, s, []string{o.print})
	case o.printAll:
		return o.printKeys(ctx, s, nil)
	case o.list:
		return o.listKeys(ctx, s)
	case o.listState != "":
		return o.listOne(ctx, s, o.listState)
	}
	return cmd.Help()
}

// keyStates are the states in the order salt-key lists them, with its
// headings and the names of its JSON document.
// Denied keys asked for an id another key holds; corrupt entries are
// registry entries the master cannot read (delete them by that name).
var keyStates = []struct{ state, title, doc string }{
	{proto.KeyAccepted, "Accepted Keys:", "minions"},
	{proto.KeyDenied, "Denied Keys:", "minions_denied"},
	{proto.KeyPending, "Unaccepted Keys:", "minions_pre"},
	{proto.KeyRejected, "Rejected Keys:", "minions_rejected"},
	{proto.KeyCorrupt, "Corrupt Entries:", "corrupt"},
}

// keyColors are the colours of Salt's key outputter (salt/output/key.py)
// for each of salt-key's lists: its heading's, then its entries'.
var keyColors = map[string][2]string{
	"local":            {"\x1b[1;35m", "\x1b[35m"},
	"minions":          {"\x1b[1;32m", "\x1b[32m"},
	"minions_denied":   {"\x1b[1;35m", "\x1b[35m"},
	"minions_pre":      {"\x1b[1;31m", "\x1b[31m"},
	"minions_rejected": {"\x1b[1;34m", "\x1b[34m"},
	"corrupt":          {"\x1b[1;31m", "\x1b[31m"},
}

// keyPaint colours a line of list doc as Salt's key outputter does when
// colour is on: the heading (head) in the light colour, an entry in the
// plain one, each line closed by a reset.
func keyPaint(on bool, doc string, head bool, line string) string {
	if !on {
		return line
	}
	c := keyColors[doc]
	if head {
		return c[0] + line + "\x1b[0m"
	}
	return c[1] + line + "\x1b[0m"
}

func (o *keyOptions) keys(ctx context.Context) ([]proto.KeyInfo, error) {
	c, err := dialKeys(&o.conn)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Keys(ctxOr(ctx))
}

func (o *keyOptions) listKeys(ctx context.Context, s *streams) error {
	keys, err := o.keys(ctx)
	if err != nil {
		return err
	}
	// salt-key --out json: {"minions": [...], "minions_pre": [...], …}.
	doc := output.OrderedMap{}
	for _, st := range keyStates {
		ids := idsIn(keys, st.state)
		if st.state == proto.KeyCorrupt && len(ids) == 0 {
			continue // brine's own: only when there are some
		}
		doc = append(doc, output.KV{Key: st.doc, Value: ids})
	}
	if done, err := o.out.printData(s.out, doc); done || err != nil {
		return err
	}
	w := o.out.writer(s.out)
	col := o.out.color(w)
	var b strings.Builder
	for _, st := range keyStates {
		ids := idsIn(keys, st.state)
		if st.state == proto.KeyCorrupt && len(ids) == 0 {
			continue
		}
		fmt.Fprintln(&b, keyPaint(col, st.doc, true, st.title))
		for _, id := range ids {
			fmt.Fprintln(&b, keyPaint(col, st.doc, false, output.Safe(id)))
		}
	}
	return writeOut(w, b.String())
}

// writeOut writes a command's table at once, to stdout or the --out-file.
func writeOut(w io.Writer, text string) error {
	if _, err := io.WriteString(w, text); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

func idsIn(keys []proto.KeyInfo, state string) []string {
	ids := []string{}
	for _, k := range keys {
		if k.State == state {
			ids = append(ids, k.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// fingers prints the master's own keys and the fingerprints of the minion
// keys that match the globs (every key without one), as salt-key -F and
// -f do: the master's keys show when a glob matches their file names, or
// when no glob is given.
func (o *keyOptions) fingers(ctx context.Context, s *streams, globs []string) error {
	m, err := compileGlobs(globs)
	if err != nil {
		return err
	}
	var local output.OrderedMap
	if cfg, err := master.LoadConfig(o.conn.configDir); err != nil {
		fmt.Fprintf(s.err, "brine: the master's own keys: %s\n", output.SafeText(err.Error()))
	} else {
		var errs []error
		local, errs = localKeys(cfg.StateDir)
		for _, e := range errs {
			fmt.Fprintf(s.err, "brine: %s\n", output.SafeText(e.Error()))
		}
	}
	local = filterKV(local, m)
	keys, err := o.keys(ctx)
	if err != nil {
		// The master's own fingerprints come from its files, so they
		// are worth printing even when it does not answer.
		if len(local) > 0 && o.out.out == "" {
			var b strings.Builder
			w := o.out.writer(s.out)
			printLocal(&b, local, o.out.color(w))
			_ = writeOut(w, b.String()) // the master's error says more
		}
		return err
	}
	doc := output.OrderedMap{{Key: "local", Value: local}}
	for _, st := range keyStates {
		fps := output.OrderedMap{}
		for _, k := range sortedKeyInfo(keys) {
			if k.State == st.state && m.match(k.ID) {
				fps = append(fps, output.KV{Key: k.ID, Value: k.Finger})
			}
		}
		if len(fps) == 0 && (len(m) > 0 || st.state == proto.KeyCorrupt) {
			// salt-key -f lists only the states a glob matched in.
			continue
		}
		doc = append(doc, output.KV{Key: st.doc, Value: fps})
	}
	if done, err := o.out.printData(s.out, doc); done || err != nil {
		return err
	}
	w := o.out.writer(s.out)
	col := o.out.color(w)
	var b strings.Builder
	if len(local) > 0 || len(m) == 0 {
		printLocal(&b, local, col)
	}
	for _, st := range keyStates {
		var lines []string
		for _, k := range sortedKeyInfo(keys) {
			if k.State == st.state && m.match(k.ID) {
				lines = append(lines, keyPaint(col, st.doc, false, fmt.Sprintf("%s:  %s  %s", output.Safe(k.ID), output.Safe(k.Finger), output.Safe(k.Nkey)))+"\n")
			}
		}
		if len(lines) == 0 && (len(m) > 0 || st.state == proto.KeyCorrupt) {
			continue
		}
		fmt.Fprintln(&b, keyPaint(col, st.doc, true, st.title))
		b.WriteString(strings.Join(lines, ""))
	}
	return writeOut(w, b.String())
}

// printKeys is salt-key -p and -P: each matching key's public key (its
// nkey), under its state, the states without one left out.
func (o *keyOptions) printKeys(ctx context.Context, s *streams, globs []string) error {
	m, err := compileGlobs(globs)
	if err != nil {
		return err
	}
	keys, err := o.keys(ctx)
	if err != nil {
		return err
	}
	doc := output.OrderedMap{}
	for _, st := range keyStates {
		ks := output.OrderedMap{}
		for _, k := range sortedKeyInfo(keys) {
			if k.State == st.state && m.match(k.ID) {
				ks = append(ks, output.KV{Key: k.ID, Value: k.Nkey})
			}
		}
		if len(ks) > 0 {
			doc = append(doc, output.KV{Key: st.doc, Value: ks})
		}
	}
	if done, err := o.out.printData(s.out, doc); done || err != nil {
		return err
	}
	w := o.out.writer(s.out)
	col := o.out.color(w)
	var b strings.Builder
	for _, st := range keyStates {
		for i, kv := range doc {
			if kv.Key != st.doc {
				continue
			}
			fmt.Fprintln(&b, keyPaint(col, st.doc, true, st.title))
			for _, k := range doc[i].Value.(output.OrderedMap) {
				fmt.Fprintln(&b, keyPaint(col, st.doc, false, output.Safe(k.Key)+":  "+output.Safe(k.Value.(string))))
			}
		}
	}
	return writeOut(w, b.String())
}

// listOne is salt-key -l STATE: the keys in one state, under its heading
// (all of them for "all").
func (o *keyOptions) listOne(ctx context.Context, s *streams, arg string) error {
	state := ""
	switch strings.ToLower(arg) {
	case "all":
		return o.listKeys(ctx, s)
	case "pre", "un", "unaccepted":
		state = proto.KeyPending
	case "acc", "accepted":
		state = proto.KeyAccepted
	case "rej", "rejected":
		state = proto.KeyRejected
	case "den", "denied":
		state = proto.KeyDenied
	default:
		return usagef("key -l %s: want pre, un, unaccepted, acc, accepted, rej, rejected, den, denied or all", arg)
	}
	keys, err := o.keys(ctx)
	if err != nil {
		return err
	}
	for _, st := range keyStates {
		if st.state != state {
			continue
		}
		ids := idsIn(keys, state)
		if done, err := o.out.printData(s.out, output.OrderedMap{{Key: st.doc, Value: ids}}); done || err != nil {
			return err
		}
		w := o.out.writer(s.out)
		col := o.out.color(w)
		var b strings.Builder
		fmt.Fprintln(&b, keyPaint(col, st.doc, true, st.title))
		for _, id := range ids {
			fmt.Fprintln(&b, keyPaint(col, st.doc, false, output.Safe(id)))
		}
		return writeOut(w, b.String())
	}
	return nil
}

func printLocal(w io.Writer, local output.OrderedMap, col bool) {
	fmt.Fprintln(w, keyPaint(col, "local", true, "Local Keys:"))
	for _, kv := range local {
		fmt.Fprintln(w, keyPaint(col, "local", false, fmt.Sprintf("%s:  %s", kv.Key, kv.Value)))
	}
}

func sortedKeyInfo(keys []proto.KeyInfo) []proto.KeyInfo {
	out := append([]proto.KeyInfo(nil), keys...)
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

func filterKV(m output.OrderedMap, g globs) output.OrderedMap {
	out := output.OrderedMap{}
	for _, kv := range m {
		if g.match(kv.Key) {
			out = append(out, kv)
		}
	}
	return out
}

// localKeys are the master's own keys, read from its state dir as
// `brine master` made them: the fingerprint of its CA (ca.pem, what a
// minion pins and master_finger names; absent when the master does not
// use TLS) and the public key that signs jobs (from jobkey.nk, what a
// minion pins in master.pin). The files are read, never made.
func localKeys(stateDir string) (output.OrderedMap, []error) {
	local := output.OrderedMap{}
	var errs []error
	ca := filepath.Join(stateDir, master.CAFile)
	switch b, err := os.ReadFile(ca); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, fmt.Errorf("the master's CA: %w", err))
	default:
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			errs = append(errs, fmt.Errorf("the master's CA: %s holds no certificate", ca))
			break
		}
		local = append(local, output.KV{Key: master.CAFile, Value: master.Finger(blk.Bytes)})
	}
	jk := filepath.Join(stateDir, master.JobKeyFile)
	if _, err := os.Stat(jk); err == nil {
		kp, err := master.ReadKey(jk)
		if err != nil {
			errs = append(errs, fmt.Errorf("the master's job key: %w", err))
		} else {
			pub, err := kp.PublicKey()
			kp.Wipe()
			if err != nil {
				errs = append(errs, fmt.Errorf("the master's job key %s: %w", jk, err))
			} else {
				local = append(local, output.KV{Key: master.JobKeyFile, Value: pub})
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("the master's job key: %w", err))
	}
	return local, errs
}

func (o *keyOptions) act(ctx context.Context, s *streams, action string, words []string) error {
	if !o.all && len(words) == 0 {
		return usagef("key %s: name keys (ids or globs like 'web*'), or -A for all", action)
	}
	g, err := compileGlobs(words)
	if err != nil {
		return err
	}
	if !o.yes && !canConfirm(s.in) {
		// Nobody can answer: a piped "y" or "n" is not a person.
		return usagef("key %s: nothing changed: there is no terminal to confirm on; give -y to %s without asking", action, action)
	}
	c, err := dialKeys(&o.conn)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = ctxOr(ctx)
	keys, err := c.Keys(ctx)
	if err != nil {
		return err
	}
	include := o.include(action)
	plan := planKeys(keys, action, g, o.all, include)
	for _, n := range plan.notes {
		fmt.Fprintln(s.err, n)
	}
	code := ExitOK
	if plan.failed {
		code = ExitError
	}
	if len(plan.ids) == 0 {
		if _, err := o.out.printData(s.out, output.OrderedMap{{Key: strings.TrimSuffix(action, "e") + "ed", Value: []string{}}}); err != nil {
			return err
		}
		return exitWith(code)
	}
	if !o.yes && !confirm(s, action, plan, o.out.color(s.err)) {
		fmt.Fprintln(s.err, "Nothing changed.")
		return exitWith(ExitError)
	}
	changed, err := c.KeyAction(ctx, action, plan.ids, false, include)
	done, perr := o.out.printData(s.out, output.OrderedMap{{Key: strings.TrimSuffix(action, "e") + "ed", Value: changed}})
	if !done {
		var b strings.Builder
		for _, id := range changed {
			fmt.Fprintf(&b, "Key for minion %s %sed.\n", output.Safe(id), strings.TrimSuffix(action, "e"))
		}
		perr = writeOut(o.out.writer(s.out), b.String())
	}
	if err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	return exitWith(code)
}

// confirm asks, as salt-key does, but the answer is no unless it is y
// or yes.
func confirm(s *streams, action string, plan keyPlan, col bool) bool {
	w := s.err // stdout may be a file for --out; the question is for the person
	fmt.Fprintf(w, "The following keys are going to be %sed:\n", strings.TrimSuffix(action, "e"))
	for _, st := range keyStates {
		var ids []string
		for _, id := range plan.ids {
			if plan.from[id] == st.state {
				ids = append(ids, output.Safe(id))
			}
		}
		if len(ids) > 0 {
			fmt.Fprintln(w, keyPaint(col, st.doc, true, st.title))
			for _, id := range ids {
				fmt.Fprintln(w, keyPaint(col, st.doc, false, id))
			}
		}
	}
	fmt.Fprint(w, "Proceed? [y/N] ")
	ans, _ := bufio.NewReader(s.in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(ans)) {
	case "y", "yes":
		return true
	}
	return false
}

// isTerminalReader reports whether r is a terminal.
func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	// A character device is not enough: /dev/null is one, and cron,
	// systemd and CI give it as stdin. Only a terminal answers TCGETS.
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func ctxOr(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
