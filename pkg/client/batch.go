package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// ParseBatch reads a --batch-size: N minions, or N% of them.
func ParseBatch(s string) (n int, pct bool, err error) {
	pct = strings.HasSuffix(s, "%")
	n, err = strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || n <= 0 || (pct && n > 100) {
		return 0, false, fmt.Errorf("--batch-size %q: want N or N%%", s)
	}
	return n, pct, nil
}

// BatchSize is how many of total minions run at once for a --batch-size
// spec (at least one).
func BatchSize(total int, spec string) (int, error) {
	n, pct, err := ParseBatch(spec)
	if err != nil {
		return 0, err
	}
	if pct {
		n = total * n / 100
	}
	return max(1, n), nil
}

// Batch is Salt's batch mode: at most size of ids run at a time, and as
// each ends the next starts, so one slow minion does not hold back the
// rest of its batch (a rolling window, not waves). run is called once
// per id, on a goroutine Batch owns and waits for. Cancelling ctx starts
// no more; the errors of the runs are joined.
func Batch(ctx context.Context, ids []string, size int, run func(ctx context.Context, id string) error) error {
	return BatchNotify(ctx, ids, size, nil, run)
}

// BatchNotify is Batch that tells started, before their runs begin, of
// the ids it starts together: the first window whole, then each that
// takes a freed place (Salt's "Executing run on [...]").
func BatchNotify(ctx context.Context, ids []string, size int, started func(ids []string), run func(ctx context.Context, id string) error) error {
	slots := make(chan struct{}, max(1, size))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		group []string // holding a slot, not started yet
	)
	launch := func() {
		if len(group) == 0 {
			return
		}
		if started != nil {
			started(append([]string(nil), group...))
		}
		for _, id := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				if err := run(ctx, id); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s: %w", id, err))
					mu.Unlock()
				}
			}()
		}
		group = group[:0]
	}
	for _, id := range ids {
		select {
		case slots <- struct{}{}:
		default:
			launch()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return errors.Join(append(errs, ctx.Err())...)
			}
		}
		if ctx.Err() != nil {
			<-slots
			wg.Wait()
			return errors.Join(append(errs, ctx.Err())...)
		}
		group = append(group, id)
	}
	launch()
	wg.Wait()
	return errors.Join(errs...)
}
