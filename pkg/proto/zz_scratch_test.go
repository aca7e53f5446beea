package proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nkeys"
)

func scratchJob(b *testing.B) []byte {
	kp, _ := nkeys.CreateAccount()
	group := []string{"m1"}
	for i := 2; len(group) < 32; i++ {
		group = append(group, fmt.Sprintf("web-%05d.example.com", i))
	}
	at := time.Now()
	job := &Job{JID: NewJID(at), Target: "*", TargetType: TargetGlob, Fun: "test.ping",
		Minions: group, IssuedAt: at, Expiry: at.Add(time.Minute), Nonce: NewNonce(), Timeout: Duration(5 * time.Second)}
	d, err := SignJob(kp, job)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkScratchEnvelope(b *testing.B) {
	d := scratchJob(b)
	b.ReportAllocs()
	for b.Loop() {
		var s envelope
		if err := json.Unmarshal(d, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScratchBodyDecoder(b *testing.B) {
	d := scratchJob(b)
	var s envelope
	json.Unmarshal(d, &s)
	b.ReportAllocs()
	for b.Loop() {
		var j Job
		dd := json.NewDecoder(bytes.NewReader(s.Body))
		dd.UseNumber()
		if err := dd.Decode(&j); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScratchBodyUnmarshal(b *testing.B) {
	d := scratchJob(b)
	var s envelope
	json.Unmarshal(d, &s)
	b.Logf("%d bytes, body %d", len(d), len(s.Body))
	b.ReportAllocs()
	for b.Loop() {
		var j Job
		if err := json.Unmarshal(s.Body, &j); err != nil {
			b.Fatal(err)
		}
	}
}
