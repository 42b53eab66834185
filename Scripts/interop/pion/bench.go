package main

import (
	"encoding/json"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v3"
)

// Bench mode (-mode bench): both peers in this process over loopback UDP, as `rtc bench
// --processes 2` measures rtc, so the two stacks can be compared on one impaired path (e.g. a
// network namespace whose lo has netem delay and loss). Per case (ordered reliable, unordered
// reliable, ordered maxRetransmits 0) it sends -size byte messages for -duration with the same
// back-pressure as rtc bench (wait while more than 2 MiB are buffered), then waits until the
// receiver has everything (reliable) or its count stops growing (partial), and reports MB/s from
// the first send to the last byte received. A 100-byte ping-pong on its own channel runs while
// the cases send (rtt_loaded_us). Prints one JSON line on stdout.

const benchHighWater = 2 << 20

type benchCase struct {
	Size        int     `json:"message_size"`
	Ordered     bool    `json:"ordered"`
	Reliability string  `json:"reliability"`
	Bytes       int64   `json:"bytes"`
	SentBytes   int64   `json:"sent_bytes"`
	Seconds     float64 `json:"seconds"`
	MBPerS      float64 `json:"mb_per_s"`
}

type sink struct {
	bytes  int64 // atomic
	lastNs int64 // atomic: time of the last byte, ns since `started`
}

func runBench(api *webrtc.API, size int, duration time.Duration) int {
	a, errA := api.NewPeerConnection(webrtc.Configuration{})
	b, errB := api.NewPeerConnection(webrtc.Configuration{})
	if errA != nil || errB != nil {
		fail(1, "peer connection: %v %v", errA, errB)
	}
	var mu sync.Mutex
	sinks := map[string]*sink{}
	b.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnOpen(func() {
			raw, err := dc.Detach()
			if err != nil {
				fail(1, "detach: %v", err)
			}
			if dc.Label() == "rtt" {
				go benchEcho(raw)
				return
			}
			s := &sink{}
			mu.Lock()
			sinks[dc.Label()] = s
			mu.Unlock()
			go func() {
				buf := make([]byte, 1<<18)
				for {
					n, _, err := raw.ReadDataChannel(buf)
					if err != nil {
						return
					}
					atomic.StoreInt64(&s.lastNs, int64(time.Since(started)))
					atomic.AddInt64(&s.bytes, int64(n))
				}
			}()
		})
	})
	opened := func(label string, init *webrtc.DataChannelInit) (*webrtc.DataChannel, datachannel.ReadWriteCloser) {
		dc, err := a.CreateDataChannel(label, init)
		if err != nil {
			fail(1, "data channel: %v", err)
		}
		ready := make(chan datachannel.ReadWriteCloser, 1)
		dc.OnOpen(func() {
			raw, err := dc.Detach()
			if err != nil {
				fail(1, "detach: %v", err)
			}
			ready <- raw
		})
		if label == "ctl" {
			return dc, nil // opens once connected
		}
		select {
		case raw := <-ready:
			return dc, raw
		case <-time.After(20 * time.Second):
			fail(124, "channel %s did not open", label)
		}
		return nil, nil
	}
	opened("ctl", nil) // the offer needs an m=application section
	connected := make(chan struct{})
	var once sync.Once
	a.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	offer, _ := a.CreateOffer(nil)
	gather := webrtc.GatheringCompletePromise(a)
	_ = a.SetLocalDescription(offer)
	<-gather
	if err := b.SetRemoteDescription(*a.LocalDescription()); err != nil {
		fail(1, "remote offer: %v", err)
	}
	answer, _ := b.CreateAnswer(nil)
	gather = webrtc.GatheringCompletePromise(b)
	_ = b.SetLocalDescription(answer)
	<-gather
	if err := a.SetRemoteDescription(*b.LocalDescription()); err != nil {
		fail(1, "remote answer: %v", err)
	}
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		fail(124, "not connected within 20 s")
	}

	// The loaded ping: one 100-byte message at a time while `pinging` is set.
	_, ping := opened("rtt", nil)
	var pinging int32
	var rttMu sync.Mutex
	var rtts []float64
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		payload := make([]byte, 100)
		buf := make([]byte, 1<<16)
		for {
			if atomic.LoadInt32(&pinging) == 2 {
				return
			}
			if atomic.LoadInt32(&pinging) == 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			t := time.Now()
			if _, err := ping.WriteDataChannel(payload, false); err != nil {
				return
			}
			if _, _, err := ping.ReadDataChannel(buf); err != nil {
				return
			}
			rttMu.Lock()
			rtts = append(rtts, float64(time.Since(t).Microseconds()))
			rttMu.Unlock()
		}
	}()

	zero := uint16(0)
	unordered := false
	cases := []struct {
		ordered bool
		init    *webrtc.DataChannelInit
		name    string
	}{
		{true, nil, "reliable"},
		{false, &webrtc.DataChannelInit{Ordered: &unordered}, "reliable"},
		{true, &webrtc.DataChannelInit{MaxRetransmits: &zero}, "rexmit-0"},
	}
	var results []benchCase
	chunk := make([]byte, size)
	for i, c := range cases {
		label := "tp-" + string(rune('1'+i))
		dc, raw := opened(label, c.init)
		var s *sink
		for deadline := time.Now().Add(10 * time.Second); s == nil && time.Now().Before(deadline); {
			mu.Lock()
			s = sinks[label]
			mu.Unlock()
			if s == nil {
				time.Sleep(time.Millisecond)
			}
		}
		if s == nil {
			fail(124, "receiver did not see %s", label)
		}
		low := make(chan struct{}, 1)
		dc.SetBufferedAmountLowThreshold(benchHighWater / 2)
		dc.OnBufferedAmountLow(func() {
			select {
			case low <- struct{}{}:
			default:
			}
		})
		atomic.StoreInt32(&pinging, 1)
		start := time.Now()
		startNs := int64(time.Since(started))
		var sent int64
		for time.Since(start) < duration {
			if dc.BufferedAmount() > benchHighWater {
				select {
				case <-low:
				case <-time.After(10 * time.Millisecond):
				}
				continue
			}
			n, err := raw.WriteDataChannel(chunk, false)
			if err != nil {
				fail(1, "send: %v", err)
			}
			sent += int64(n)
		}
		// Reliable: until every byte arrived; partial: until the count stops growing for 500 ms.
		settle := time.Now().Add(duration + 120*time.Second)
		last, lastChange := int64(-1), time.Now()
		for time.Now().Before(settle) {
			got := atomic.LoadInt64(&s.bytes)
			if c.name == "reliable" && got >= sent {
				break
			}
			if got != last {
				last, lastChange = got, time.Now()
			} else if c.name != "reliable" && dc.BufferedAmount() == 0 && time.Since(lastChange) > 500*time.Millisecond {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		atomic.StoreInt32(&pinging, 0)
		got := atomic.LoadInt64(&s.bytes)
		secs := float64(atomic.LoadInt64(&s.lastNs)-startNs) / 1e9
		if secs <= 0 {
			secs = 1e-9
		}
		results = append(results, benchCase{size, c.ordered, c.name, got, sent,
			float64(int64(secs*1000)) / 1000, float64(int64(float64(got)/secs/1e3)) / 1000})
		_ = dc.Close()
	}
	atomic.StoreInt32(&pinging, 2)
	_ = ping.Close()
	rttMu.Lock()
	sort.Float64s(rtts)
	pct := func(p float64) float64 {
		if len(rtts) == 0 {
			return 0
		}
		return rtts[int(p/100*float64(len(rtts)-1))]
	}
	report := map[string]interface{}{
		"stack": "pion", "throughput": results, "rtt_loaded_count": len(rtts),
		"rtt_loaded_us": map[string]float64{"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": pct(100)},
	}
	rttMu.Unlock()
	line, _ := json.Marshal(report)
	os.Stdout.Write(append(line, '\n'))
	_ = a.Close()
	_ = b.Close()
	return 0
}

func benchEcho(raw datachannel.ReadWriteCloser) {
	buf := make([]byte, 1<<16)
	for {
		n, isString, err := raw.ReadDataChannel(buf)
		if err != nil {
			return
		}
		if _, err := raw.WriteDataChannel(buf[:n], isString); err != nil {
			return
		}
	}
}
