package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// moduleRoot is Main's root: where go builds from.
var moduleRoot string

var natsServer struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// NATSServerBin is a nats-server binary built from the nats-server
// module go.mod requires (no download of binaries), once per test
// binary, next to Bin.
func NATSServerBin(t testing.TB) string {
	t.Helper()
	natsServer.once.Do(func() {
		natsServer.bin = filepath.Join(filepath.Dir(Bin), "nats-server")
		build := exec.Command("go", "build", "-o", natsServer.bin, "github.com/nats-io/nats-server/v2")
		build.Dir = moduleRoot
		natsServer.out, natsServer.err = build.CombinedOutput()
	})
	if natsServer.err != nil {
		t.Fatalf("build nats-server: %v\n%s", natsServer.err, natsServer.out)
	}
	return natsServer.bin
}

// StartNATSServer runs nats-server -c conf, its log in logFile; the
// test's cleanup stops it. Proc.WaitLog waits for "Server is ready".
func StartNATSServer(t testing.TB, name, conf, logFile string) *Proc {
	t.Helper()
	p := &Proc{t: t, Name: name, args: []string{"-c", conf}, Log: logFile, bin: NATSServerBin(t)}
	if _, err := os.Stat(conf); err != nil {
		t.Fatal(err)
	}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}
