package master

import (
	"fmt"

	"github.com/brine-cm/brine/pkg/proto"
)

// bundleAnswer answers a ChunkRequest that lists files (a bundle
// request, proto/bundle.go): the files whole, in the order asked, as
// many as fit in proto.MaxBundleBody bytes; the minion asks again for
// the rest. Only files of the state tree are served, by hash, as chunks
// are (chunk), and only small ones: a file larger than a bundle's body
// is refused, and fetched in chunks. A request may name at most
// proto.MaxBundleFiles files, so one costs the master at most that many
// lookups and one message of reads.
func (f *fileServer) bundleAnswer(req *proto.ChunkRequest) ([]byte, error) {
	if req.ChunkV != proto.ChunkVersion {
		return nil, fmt.Errorf("this master sends bundles in chunk framing %d, the minion reads framing %d: %w; upgrade the minion",
			proto.ChunkVersion, req.ChunkV, proto.ErrVersion)
	}
	if len(req.Files) > proto.MaxBundleFiles {
		return nil, fmt.Errorf("a bundle request names %d files, at most %d are served", len(req.Files), proto.MaxBundleFiles)
	}
	var (
		at    []chunkAt
		files []proto.BundleFile
		body  int
	)
	for _, sha := range req.Files {
		c, err := f.chunk(sha, 0)
		if err != nil {
			return nil, err
		}
		if c.size > proto.MaxBundleBody {
			return nil, fmt.Errorf("file %s has %d bytes, more than a bundle carries (%d): ask for its chunks", c.sha, c.size, proto.MaxBundleBody)
		}
		if body+c.n > proto.MaxBundleBody {
			break
		}
		at = append(at, c)
		files = append(files, proto.BundleFile{SHA256: c.sha, Length: c.n})
		body += c.n
	}
	head, err := proto.BundleHead(files)
	if err != nil {
		return nil, err
	}
	b := make([]byte, len(head)+body)
	copy(b, head)
	off := len(head)
	for _, c := range at {
		if err := f.read(c, b[off:off+c.n]); err != nil {
			return nil, err
		}
		off += c.n
	}
	f.metrics.served("bundle", body)
	return b, nil
}
