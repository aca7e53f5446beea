package proto

import (
	"testing"
	"time"
)

// BenchmarkUnmarshalReturn decodes a test.ping's return, as the master
// does for each minion of a job.
func BenchmarkUnmarshalReturn(b *testing.B) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	data, err := Marshal(&Return{JID: "20261206080000000000", ID: "web0001.example.org", Fun: "test.ping", Return: true,
		Success: true, Start: now, End: now.Add(time.Millisecond)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var r Return
		if err := Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
	}
}
