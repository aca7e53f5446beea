package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// servePprof serves Go's profiles (net/http/pprof, which the embedded
// NATS server links in already) on the address BRINE_PPROF names, for
// performance reports: go tool pprof http://ADDR/debug/pprof/profile.
// Loopback only; unset, it does nothing. It returns when ctx ends.
func servePprof(ctx context.Context, log *slog.Logger) {
	addr := os.Getenv("BRINE_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Warn("BRINE_PPROF: want a loopback address such as 127.0.0.1:6060", "addr", addr)
		return
	}
	srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("serving profiles", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("BRINE_PPROF", "err", err)
	}
}
