package sls

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"gopkg.in/yaml.v3"
)

// memSource is an in-memory state tree, for the fuzzer: a temp dir per
// input would measure the disk, not the parser.
type memSource map[string]string

func (m memSource) ReadFile(_ context.Context, url string) ([]byte, error) {
	rel, env, err := fileroot.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if env != "" && env != "base" {
		rel = env + "/" + rel
	}
	s, ok := m[rel]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(s), nil
}

// FuzzLoadSLS feeds arbitrary text through YAML decoding, high data,
// include/extend/exclude and compilation. Errors are fine; panics and
// hangs are not.
func FuzzLoadSLS(f *testing.F) {
	paths, _ := filepath.Glob("testdata/golden/*.txtar")
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		a := parseArchive(string(text))
		for _, name := range a.order {
			f.Add(a.files[name])
		}
	}
	for _, s := range []string{
		"", "a: b: c", "a: &a [*a]", "<<: {}", "x:\n  pkg: [installed, latest]",
		"include: [.x, ..y, {dev: z}]\nexclude: [{sls: '*'}]\nextend: {lib: {pkg: [{require: [lib]}]}}",
		"a:\n  cmd.run:\n    - require: [a]\n", "a: {cmd.run: [{names: [{x: {order: last}}, 1, 2.5, true]}]}",
		"a: {cmd.run: [{order: .nan}]}\nb: {cmd.run: [{order: -.inf}]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		files := memSource{
			"fuzz.sls": src,
			"lib.sls":  "lib:\n  pkg.installed:\n    - require_in:\n      - sls: fuzz\n",
			"x.sls":    src,
		}
		c := &Compiler{Files: files, jinja: func(_ string, src []byte, _ map[string]any, _ jinja.Options) (string, error) {
			return string(src), nil
		}}
		high, err := c.HighState(context.Background(), []string{"lib", "fuzz"})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		_, _ = json.Marshal(high)
		_, _ = yaml.Marshal(high)
		chunks, err := high.Compile()
		if err != nil {
			if !strings.Contains(err.Error(), ":") {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		for i, c := range chunks {
			if c.Order != i {
				t.Fatalf("chunk %d has Order %d", i, c.Order)
			}
			for _, r := range c.Requisites {
				if len(r.Targets) == 0 && r.Module != "sls" && !strings.ContainsAny(r.Ref, "*?[") {
					t.Fatalf("%s: requisite %+v resolved to nothing without an error", c.Key(), r)
				}
			}
		}
		_, _ = json.Marshal(Lowstate(chunks))
		_, _ = yaml.Marshal(Lowstate(chunks))
	})
}
