package states

import (
	"context"
	"testing"
)

// cmd.wait_script does nothing called directly; a watch runs the script,
// as Salt 3006's mod_watch runs cmd.script for it.
func TestCmdWaitScript(t *testing.T) {
	args := map[string]any{"source": "salt://scripts/hello.sh", "args": "'big world'"}
	res := cmdCall(t, "", "cmd.wait_script", "hello", args, false)
	if res.Result != True || res.Comment != "" || len(res.Changes) != 0 {
		t.Fatalf("cmd.wait_script = %v %q %#v; want True, no comment, no changes", res.Result, res.Comment, res.Changes)
	}
	watch, ok := Watcher("cmd")
	if !ok {
		t.Fatal("no mod_watch for cmd")
	}
	req := fileReq("", "cmd.wait_script", "hello", fileCopyArgs(args), false)
	if r := watch(context.Background(), req); r.Result != True || r.Changes["stdout"] != "hello big world" {
		t.Fatalf("watch = %v %q %#v; want the script's output", r.Result, r.Comment, r.Changes)
	}
}
