package exec

import (
	"context"
	"fmt"
	"strconv"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// Salt's user.primary_group (salt/modules/useradd.py): `id -g -n NAME`
// through cmd.run, its output (an unknown user's error included, with
// status 1) returned.

func init() {
	register("user.primary_group", userPrimaryGroup, "Return the name of a user's primary group, as `id -g -n NAME` prints it (for a user that does not exist, id's error, and status 1). Salt: under --root, read from the image's passwd and group files.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the user."})
}

func userPrimaryGroup(ctx context.Context, c *call) Return {
	name := c.str("name")
	if rootfs.Live(c.host.Root) {
		return Call(ctx, c.host, "cmd.run", []any{shellWords([]string{"id", "-g", "-n", name})}, map[string]any{"python_shell": false})
	}
	db, err := accounts(c)
	if err != nil {
		return commandError(err.Error())
	}
	u, err := db.User(name)
	if err != nil {
		// id's words in the C locale, as cmd.run runs it; cmd.run logs
		// the failure.
		msg := fmt.Sprintf("id: '%s': no such user", name)
		c.host.Log.Error("Command 'id' failed with return code: 1")
		c.host.Log.Error("output: " + msg)
		return Return{Value: msg, Retcode: RetError, Code: 1, Out: "nested"}
	}
	if g, err := db.GroupByID(u.GID); err == nil {
		return nested(g.Name)
	}
	gid := strconv.Itoa(u.GID)
	return nested(fmt.Sprintf("id: cannot find name for group ID %s\n%s", gid, gid))
}
