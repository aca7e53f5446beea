package exec

import (
	"context"
	"reflect"
	"testing"
)

// disk.blkid parses blkid's lines as Salt's module does (the device
// before its colon; NAME="value" pairs split on the quotes) and asks for
// a device, or a token with -t; a failing blkid gives {}.
func TestDiskBlkid(t *testing.T) {
	old := runTool
	t.Cleanup(func() { runTool = old })
	var gotArgs []string
	out, code := "", 0
	runTool = func(_ context.Context, tool string, args []string) (string, int, bool, error) {
		if tool != "blkid" {
			t.Fatalf("ran %s", tool)
		}
		gotArgs = args
		return out, code, true, nil
	}
	h := testHost(t)
	out = "/dev/vda1: LABEL=\"my root\" UUID=\"6a38ee5-7235\" BLOCK_SIZE=\"4096\" TYPE=\"ext4\" PARTUUID=\"0a1b-01\"\n/dev/vdb: UUID=\"f00\" TYPE=\"swap\"\n"
	r := Call(context.Background(), h, "disk.blkid", nil, nil)
	want := map[string]any{
		"/dev/vda1": map[string]any{"LABEL": "my root", "UUID": "6a38ee5-7235", "BLOCK_SIZE": "4096", "TYPE": "ext4", "PARTUUID": "0a1b-01"},
		"/dev/vdb":  map[string]any{"UUID": "f00", "TYPE": "swap"},
	}
	if !reflect.DeepEqual(r.Value, want) || len(gotArgs) != 0 {
		t.Errorf("disk.blkid = %#v (args %q); want %#v", r.Value, gotArgs, want)
	}
	Call(context.Background(), h, "disk.blkid", []any{"/dev/vdb"}, nil)
	if !reflect.DeepEqual(gotArgs, []string{"/dev/vdb"}) {
		t.Errorf("args %q", gotArgs)
	}
	Call(context.Background(), h, "disk.blkid", nil, map[string]any{"token": "TYPE=ext4"})
	if !reflect.DeepEqual(gotArgs, []string{"-t", "TYPE=ext4"}) {
		t.Errorf("args %q", gotArgs)
	}
	out, code = "", 2
	if r := Call(context.Background(), h, "disk.blkid", []any{"/dev/nope"}, nil); !reflect.DeepEqual(r.Value, map[string]any{}) || r.Retcode != 0 {
		t.Errorf("failing blkid = %#v", r)
	}
}
