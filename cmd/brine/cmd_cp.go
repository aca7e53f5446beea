package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// cpOptions are `brine cp`'s: the targeting of `brine TARGET FUNCTION`,
// the files, and how large they may be.
type cpOptions struct {
	t       *targetOptions
	maxSize int64 // MiB
	target  string
	dest    string
	sources []string
}

// cpFile is one local file and where it goes.
type cpFile struct {
	local string
	dest  string
	mode  fs.FileMode
	size  int64
}

func newCpCmd(s *streams) *cobra.Command {
	o := &cpOptions{}
	cmd := &cobra.Command{
		Use:   "cp [flags] TARGET SOURCE… DEST",
		Short: "Push local files to minions (like salt-cp --chunked)",
		Long: `Copy files of this host to the targeted minions, in chunks: each chunk is a
job the master signs, as every job, so that only an operator who may
publish jobs can write files on minions. A minion never sends a file to the
master. Each file gathers beside its destination and takes its name only
once the last chunk is in (atomically), with the source's mode.

One SOURCE and a DEST not ending in / copies to DEST itself; several
SOURCEs, a directory, or a DEST ending in / copy into DEST. Each minion's
return names each file it wrote, True, or why it failed.

It differs from salt-cp in: files always go in chunks, as salt-cp
--chunked sends them; each chunk is a signed job.`,
		Example: `  # Push a file to every web server
  brine cp 'web*' ./nginx.conf /etc/nginx/nginx.conf

  # Push two files and a directory into /srv/app on a list of minions
  brine cp -L web1,web2 app.ini VERSION ./static /srv/app/`,
		Args: cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := targetOptionsFrom(cmd.Flags())
			if err != nil {
				return err
			}
			o.t = t
			if err := o.complete(args); err != nil {
				return usage(err)
			}
			return o.run(cmd.Context(), s)
		},
	}
	addTargetFlagSet(cmd.Flags())
	cmd.Flags().Int64Var(&o.maxSize, "max-size", 100, "the largest file to push, in MiB (each chunk is a job; the master keeps their records without the data)")
	return cmd
}

func (o *cpOptions) complete(args []string) error {
	if o.t.batch != "" || o.t.async {
		return errors.New("brine cp runs on every targeted minion and waits for them: --batch and --async do not apply")
	}
	if err := o.t.Complete([]string{args[0], proto.FunRecvChunked}); err != nil {
		return err
	}
	if err := o.t.Validate(); err != nil {
		return err
	}
	if o.maxSize <= 0 {
		return fmt.Errorf("--max-size %d: want a positive number of MiB", o.maxSize)
	}
	o.target, o.sources, o.dest = args[0], args[1:len(args)-1], args[len(args)-1]
	if !path.IsAbs(o.dest) {
		return fmt.Errorf("DEST %q: want an absolute path on the minions", o.dest)
	}
	return nil
}

// files lists what to send: each regular file of the sources, with its
// destination on the minions.
func (o *cpOptions) files() ([]cpFile, error) {
	intoDir := len(o.sources) > 1 || strings.HasSuffix(o.dest, "/")
	var out []cpFile
	for _, src := range o.sources {
		fi, err := os.Stat(src)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("%s: not a regular file", src)
			}
			dest := o.dest
			if intoDir {
				dest = path.Join(o.dest, filepath.Base(src))
			}
			out = append(out, cpFile{local: src, dest: dest, mode: fi.Mode().Perm(), size: fi.Size()})
			continue
		}
		base := path.Join(o.dest, filepath.Base(filepath.Clean(src)))
		err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil // directories are made as their files land; links and devices stay here
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			out = append(out, cpFile{local: p, dest: path.Join(base, filepath.ToSlash(rel)), mode: info.Mode().Perm(), size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, f := range out {
		if f.size > o.maxSize<<20 {
			return nil, fmt.Errorf("%s: %d bytes, over --max-size %d MiB", f.local, f.size, o.maxSize)
		}
	}
	return out, nil
}

func (o *cpOptions) run(ctx context.Context, s *streams) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	files, err := o.files()
	if err != nil {
		return usage(err)
	}
	c, err := o.t.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Resolve(ctx, o.t.job)
	if err != nil {
		return err
	}
	if len(rep.Minions) == 0 && len(rep.NotConnected) == 0 {
		return o.t.noMinions(s)
	}
	results := map[string]map[string]any{}
	for _, id := range rep.Minions {
		results[id] = map[string]any{}
	}
	code := ExitOK
	for _, f := range files {
		failed, err := o.push(ctx, c, f, rep.Minions, results)
		if err != nil {
			return err
		}
		if failed {
			code = worse(code, ExitError)
		}
	}
	p := o.t.out.printer(s)
	for _, id := range rep.Minions {
		p.minion(id, &proto.Return{ID: id, Return: results[id], Out: "nested"})
	}
	for _, id := range rep.NotConnected {
		p.missing(id, "Not connected")
		code = worse(code, ExitNoReturn)
	}
	if err := p.flush(); err != nil {
		code = worse(code, ExitError)
	}
	return exitWith(code)
}

// push sends one file in chunks to the minions; a minion that fails a
// chunk gets no more of it, and its result says why.
func (o *cpOptions) push(ctx context.Context, c *client.Client, f cpFile, minions []string, results map[string]map[string]any) (failed bool, err error) {
	in, err := os.Open(f.local)
	if err != nil {
		return false, err
	}
	defer in.Close()
	alive := append([]string(nil), minions...)
	buf := make([]byte, proto.CpChunkSize)
	for first, sent := true, int64(0); len(alive) > 0; first = false {
		n, rerr := io.ReadFull(in, buf)
		if rerr != nil && !errors.Is(rerr, io.ErrUnexpectedEOF) && !errors.Is(rerr, io.EOF) {
			return false, fmt.Errorf("%s: %w", f.local, rerr)
		}
		sent += int64(n)
		final := sent >= f.size || n < len(buf)
		chunk, err := gzip64(buf[:n])
		if err != nil {
			return false, err
		}
		j := o.t.job
		j.Args = []any{f.dest, chunk}
		j.Kwargs = map[string]any{"append": !first, "compressed": true, "mode": fmt.Sprintf("%04o", f.mode), "final": final}
		if final {
			j.Kwargs["size"] = sent
		}
		j.Minions = alive
		res, err := c.Run(ctx, j, nil)
		if err != nil {
			return false, err
		}
		var next []string
		for _, id := range alive {
			ret := res.Returns[id]
			switch {
			case res.Status[id] != client.Returned:
				results[id][f.dest] = fmt.Sprintf("no return for a chunk (%s); the file was not written", res.Status[id])
			case ret == nil || ret.Retcode != 0:
				msg := "failed"
				if ret != nil {
					msg = fmt.Sprint(ret.Return)
				}
				results[id][f.dest] = msg
			default:
				next = append(next, id)
				continue
			}
			failed = true
		}
		alive = next
		if final {
			break
		}
	}
	sort.Strings(alive)
	for _, id := range alive {
		results[id][f.dest] = true
	}
	return failed, nil
}

func gzip64(b []byte) (string, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
