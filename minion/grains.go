package minion

import (
	"os"
	"runtime"
	"strings"
)

// collectGrains gathers the facts the minion reports: a few of its own
// and the static grains from minion.yaml over them. pkg/grains, once it
// lands, replaces the collected part (see the integration notes).
func (m *Minion) collectGrains() map[string]any {
	g := map[string]any{}
	if m.Grains != nil {
		for k, v := range m.Grains() {
			g[k] = v
		}
	} else {
		host, _ := os.Hostname()
		g["host"] = strings.SplitN(host, ".", 2)[0]
		g["fqdn"] = host
		g["kernel"] = strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
		g["cpuarch"] = runtime.GOARCH
		g["num_cpus"] = runtime.NumCPU()
		for k, v := range osRelease("/etc/os-release") {
			g[k] = v
		}
	}
	for k, v := range m.cfg.Grains {
		g[k] = v
	}
	g["id"] = m.id
	return g
}

func (m *Minion) currentGrains() map[string]any {
	m.grainsMu.Lock()
	defer m.grainsMu.Unlock()
	return m.grains
}

// osRelease reads the os grains from os-release.
func osRelease(path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	kv := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok {
			kv[k] = strings.Trim(v, `"'`)
		}
	}
	out := map[string]any{}
	if v := kv["NAME"]; v != "" {
		out["os"] = strings.Fields(v)[0]
	}
	if v := kv["ID"]; v != "" {
		out["os_family"] = map[string]string{"debian": "Debian", "ubuntu": "Debian", "rhel": "RedHat", "fedora": "RedHat", "centos": "RedHat"}[v]
	}
	if v := kv["VERSION_ID"]; v != "" {
		out["osrelease"] = v
	}
	if v := kv["VERSION_CODENAME"]; v != "" {
		out["oscodename"] = v
	}
	return out
}
