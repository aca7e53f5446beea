package sshrun

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// parseJump reads a ProxyJump: [user@]host[:port].
func parseJump(s, dfltUser string) (user, host string, port int, err error) {
	user = dfltUser
	if u, rest, ok := strings.Cut(s, "@"); ok {
		user, s = u, rest
	}
	port = 22
	host = s
	if h, p, e := net.SplitHostPort(s); e == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return "", "", 0, fmt.Errorf("proxy_jump %q: bad port", s)
		}
	}
	if host == "" || user == "" {
		return "", "", 0, fmt.Errorf("proxy_jump %q: want [user@]host[:port]", s)
	}
	return user, host, port, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
