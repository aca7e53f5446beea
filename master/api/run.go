package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/cliargs"
	"github.com/brine-cm/brine/pkg/client"
)

// JobUser is the user the job cache records for the API's jobs.
const JobUser = "api"

// defaultTimeout is the command's -t default.
const defaultTimeout = 5 * time.Second

// run answers POST /run: each lowstate in turn, through pkg/client as
// the command runs it, on the operator's connection.
func (s *Server) run(w http.ResponseWriter, r *http.Request, ses *session) error {
	lows, err := readLowstate(r)
	if err != nil {
		return err
	}
	jobs := make([]client.Job, len(lows))
	for i, low := range lows {
		if jobs[i], err = low.job(); err != nil {
			return err
		}
	}
	c := s.client(ses)
	out := make([]any, 0, len(lows))
	for i, low := range lows {
		var res any
		switch {
		case low.Client == "local_async":
			rep, err := c.Publish(r.Context(), jobs[i])
			if err != nil {
				return err
			}
			mins := rep.Minions
			if mins == nil {
				mins = []string{}
			}
			res = AsyncReturn{JID: rep.JID, Minions: mins}
		case low.Client == "local_batch" || low.Batch != "":
			res, err = runBatch(r.Context(), c, jobs[i], low)
		default:
			res, err = runLocal(r.Context(), c, jobs[i], low, nil)
		}
		if err != nil {
			return err
		}
		out = append(out, res)
	}
	writeJSON(w, http.StatusOK, RunResponse{Return: out})
	return nil
}

// readLowstate reads one lowstate or a list, as JSON or a form.
func readLowstate(r *http.Request) ([]Lowstate, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		var low Lowstate
		if err := decodeBody(r, &low); err != nil {
			return nil, err
		}
		return []Lowstate{low}, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errStatus(http.StatusRequestEntityTooLarge, "body larger than %d bytes", mbe.Limit)
		}
		return nil, errStatus(http.StatusBadRequest, "body: %w", err)
	}
	b = bytes.TrimSpace(b)
	var lows []Lowstate
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if len(b) > 0 && b[0] == '[' {
		err = dec.Decode(&lows)
	} else {
		var low Lowstate
		err = dec.Decode(&low)
		lows = []Lowstate{low}
	}
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "lowstate: %w", err)
	}
	if len(lows) == 0 {
		return nil, errStatus(http.StatusBadRequest, "lowstate: no command")
	}
	return lows, nil
}

// job checks a lowstate and makes its job: string arguments are read as
// the command line's words (KEY=VALUE is a keyword argument, values are
// YAML), as Salt's minion reads them.
func (low *Lowstate) job() (client.Job, error) {
	switch low.Client {
	case "local", "local_async", "local_batch":
	case "":
		return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: client is missing (local, local_async or local_batch)")
	default:
		return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: client %q: brine's API runs local, local_async and local_batch", low.Client)
	}
	if low.Tgt == "" || low.Fun == "" {
		return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: tgt and fun are both needed")
	}
	if low.Client == "local_batch" && low.Batch == "" {
		return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: local_batch needs batch (N or N%%)")
	}
	if low.Batch != "" {
		if _, _, err := client.ParseBatch(low.Batch); err != nil {
			return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: %w", err)
		}
	}
	if low.Timeout < 0 {
		return client.Job{}, errStatus(http.StatusBadRequest, "lowstate: timeout must be positive")
	}
	j := client.Job{Target: low.Tgt, TargetType: low.TgtType, Fun: low.Fun, Timeout: defaultTimeout, Kwargs: map[string]any{}, User: JobUser}
	if j.TargetType == "" {
		j.TargetType = "glob"
	}
	if low.Timeout > 0 {
		j.Timeout = time.Duration(low.Timeout * float64(time.Second))
	}
	for _, a := range low.Arg {
		w, ok := a.(string)
		if !ok {
			j.Args = append(j.Args, a)
			continue
		}
		args, kwargs := cliargs.ParseArgs([]string{w})
		j.Args = append(j.Args, args...)
		for k, v := range kwargs {
			j.Kwargs[k] = v
		}
	}
	for k, v := range low.Kwarg {
		j.Kwargs[k] = v
	}
	return j, nil
}

// runLocal runs a job and waits, as the command does; into, when set,
// gathers the answers of several jobs (a batch).
func runLocal(ctx context.Context, c *client.Client, j client.Job, low Lowstate, into *batchReturns) (any, error) {
	res, err := c.Run(ctx, j, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for id, st := range res.Status {
		if ret := res.Returns[id]; st == client.Returned && ret != nil {
			if low.FullReturn {
				out[id] = FullReturn{Ret: ret.Return, Retcode: ret.Retcode, JID: res.JID}
			} else {
				out[id] = ret.Return
			}
			continue
		}
		out[id] = "Minion did not return. [" + didNotReturn(st) + "]"
	}
	if into != nil {
		into.add(out)
	}
	return out, nil
}

// didNotReturn is Salt's word for a minion that did not return.
func didNotReturn(st client.Status) string {
	switch st {
	case client.NotConnected:
		return "Not connected"
	case client.Running:
		return "Still running"
	case client.Lost:
		return "Lost"
	}
	return "No response"
}

// batchReturns gathers a batch's answers.
type batchReturns struct {
	mu  sync.Mutex
	out map[string]any
}

func (b *batchReturns) add(m map[string]any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range m {
		b.out[k] = v
	}
}

// runBatch runs a job on its minions in Salt's batch mode, as the
// command's --batch-size (client.Batch): one job per minion.
func runBatch(ctx context.Context, c *client.Client, j client.Job, low Lowstate) (any, error) {
	rep, err := c.Resolve(ctx, j)
	if err != nil {
		return nil, err
	}
	n, err := client.BatchSize(len(rep.Minions), low.Batch)
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "lowstate: %w", err)
	}
	all := &batchReturns{out: map[string]any{}}
	err = client.Batch(ctx, rep.Minions, n, func(ctx context.Context, id string) error {
		one := j
		one.Minions = []string{id}
		_, err := runLocal(ctx, c, one, low, all)
		return err
	})
	if err != nil {
		return nil, err
	}
	return all.out, nil
}
