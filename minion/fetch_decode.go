package minion

import (
	"bytes"
	"encoding/base64"

	"github.com/brine-cm/brine/pkg/proto"
)

// chunkDataKey opens the data of an encoded proto.Chunk. Inside a JSON
// string every quote is escaped, so these bytes can only be the key and
// the opening quote of its value.
var chunkDataKey = []byte(`"data":"`)

// decodeChunk decodes a chunk answer into c, its data into buf when buf
// is large enough (c.Data is then a part of buf).
//
// The data is nearly all of a chunk answer, and encoding/json reads a
// long string four times on its way to a []byte (the version check, the
// validation, the scan and the unquoting) before base64 decodes it into
// a new slice; at 512 KiB a chunk that was most of a fetch's time. Here
// the data is found with one search and base64 decodes it straight into
// buf. The rest of the answer, the data cut out, goes through
// proto.Unmarshal like any other answer, version check included. An
// answer not laid out as the master lays it out (no data, twice the key,
// an escape in the base64) goes through proto.Unmarshal whole. The content
// is checked against its hash in the end either way.
func decodeChunk(data []byte, c *proto.Chunk, buf []byte) error {
	i := bytes.Index(data, chunkDataKey)
	if i < 0 {
		return proto.Unmarshal(data, c)
	}
	start := i + len(chunkDataKey)
	n := bytes.IndexByte(data[start:], '"')
	if n < 0 || bytes.Contains(data[start+n:], chunkDataKey) {
		return proto.Unmarshal(data, c)
	}
	end := start + n
	head := make([]byte, 0, start+len(data)-end)
	head = append(append(head, data[:start]...), data[end:]...)
	if err := proto.Unmarshal(head, c); err != nil {
		return err
	}
	enc := data[start:end]
	if want := base64.StdEncoding.DecodedLen(len(enc)); len(buf) < want {
		buf = make([]byte, want)
	}
	m, err := base64.StdEncoding.Decode(buf, enc)
	if err != nil {
		return proto.Unmarshal(data, c)
	}
	c.Data = buf[:m]
	return nil
}
