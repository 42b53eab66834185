// Command pion-peer is a pion/webrtc peer for rtc's interop tests (Scripts/interop/run builds it
// with Scripts/interop/pion/build from Debian's Go packages, in GOPATH mode).
//
// Signaling is one JSON line each way, the format rtc and browsers use:
// {"type":"offer","sdp":"..."}. With -role offer it prints its offer on stdout and reads the answer
// from stdin; with -role answer the other way round. After signaling, stdout carries JSON events
// (one per line) and stderr carries logs:
//
//	{"type":"open","label":L,"id":N,"ms":T}   a channel opened (T: ms since process start)
//	{"type":"file","name":N,"bytes":B,"sha256":H,"verified":V}   a transfer ended (send/receive)
//
// Modes:
//
//	echo     echo every message back on the channel it came on, text as text, binary as binary
//	         (as offerer it opens -label first); ends when stdin reaches EOF, the peer closes the
//	         channel (with -exit-on-close) or the connection fails.
//	receive  rtc-transfer/1 receiver (see `rtc send --help`): hashes every file the peer sends on
//	         its channels and answers with a verdict; ends after -count files.
//	send     rtc-transfer/1 sender of -file: opens a channel labelled with the file's name, sends
//	         header, 64 KiB chunks and trailer, waits for the verdict, then closes the connection.
//	bench    no -role, no signaling: both peers in this process, throughput and loaded round
//	         trip as `rtc bench` measures them (bench.go).
//
// Only loopback is used: udp4 host candidates on 127.0.0.1, mDNS off, no STUN. Channels are
// detached so messages up to -max-message bytes (default 256 KiB) arrive whole (pion's callback
// API reads into 65,535 bytes). UDP socket buffers are raised to -udp-buffer bytes.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/ice/v2"
	"github.com/pion/logging"
	"github.com/pion/transport/v2"
	"github.com/pion/transport/v2/stdnet"
	"github.com/pion/webrtc/v3"
)

const (
	transferProtocol = "rtc-transfer/1"
	chunkSize        = 64 * 1024
	// The sender waits while more than this is queued (as rtc send does with 4 MiB).
	highWater = 4 << 20
	lowWater  = 1 << 20
)

var (
	started = time.Now()
	outMu   sync.Mutex
	out     = bufio.NewWriter(os.Stdout)
)

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-peer: "+format+"\n", args...)
}

// emit writes one JSON line on stdout.
func emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
}

func fail(code int, format string, args ...interface{}) {
	logf(format, args...)
	os.Exit(code)
}

// bufferedNet is the standard network with larger socket buffers on every UDP socket ICE opens.
type bufferedNet struct {
	*stdnet.Net
	size int
}

func (n bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err == nil {
		if u, ok := c.(*net.UDPConn); ok {
			// Capped by net.core.rmem_max / wmem_max; failure only costs speed.
			_ = u.SetReadBuffer(n.size)
			_ = u.SetWriteBuffer(n.size)
		}
	}
	return c, err
}

type description struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

type options struct {
	role, mode, label, file string
	count, maxMessage       int
	exitOnClose             bool
}

type peer struct {
	opts     options
	pc       *webrtc.PeerConnection
	done     chan int // exit status
	doneOnce sync.Once
	filesMu  sync.Mutex
	files    int
}

func (p *peer) finish(status int) {
	p.doneOnce.Do(func() { p.done <- status })
}

func main() {
	var o options
	var udpBuffer int
	var timeout time.Duration
	flag.StringVar(&o.role, "role", "", "offer or answer")
	flag.StringVar(&o.mode, "mode", "echo", "echo, receive or send")
	flag.StringVar(&o.label, "label", "chat", "label of the channel the offerer opens in echo mode")
	flag.StringVar(&o.file, "file", "", "file to send (send mode)")
	flag.IntVar(&o.count, "count", 1, "files to receive before exiting (receive mode)")
	flag.IntVar(&o.maxMessage, "max-message", 256*1024, "largest message read whole, bytes")
	flag.BoolVar(&o.exitOnClose, "exit-on-close", true, "echo mode: exit when the peer closes a channel")
	flag.IntVar(&udpBuffer, "udp-buffer", 4<<20, "SO_RCVBUF/SO_SNDBUF of the UDP sockets, bytes")
	flag.DurationVar(&timeout, "timeout", 120*time.Second, "give up (exit 124) after this long")
	var benchSize int
	var benchDuration time.Duration
	flag.IntVar(&benchSize, "size", 65536, "bench mode: message size, bytes")
	flag.DurationVar(&benchDuration, "duration", 6*time.Second, "bench mode: sending time per case")
	flag.Parse()
	benching := o.mode == "bench"
	if benching {
		o.role = "offer" // both peers run here (bench.go)
	}
	if (o.role != "offer" && o.role != "answer") || (o.mode != "echo" && o.mode != "receive" && o.mode != "send" && !benching) ||
		(o.mode == "send" && o.file == "") || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: pion-peer -role offer|answer [-mode echo|receive|send] [-file F] [options]")
		os.Exit(64)
	}

	stdNet, err := stdnet.NewNet()
	if err != nil {
		fail(1, "network: %v", err)
	}
	var se webrtc.SettingEngine
	se.SetNet(bufferedNet{stdNet, udpBuffer})
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.DetachDataChannels()
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = os.Stderr // pion logs to stdout by default, which carries signaling here
	se.LoggerFactory = lf
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	if benching {
		os.Exit(runBench(api, benchSize, benchDuration))
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fail(1, "peer connection: %v", err)
	}
	p := &peer{opts: o, pc: pc, done: make(chan int, 1)}

	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		logf("connection %s after %d ms", s, time.Since(started).Milliseconds())
		switch s {
		case webrtc.PeerConnectionStateFailed:
			p.finish(1)
		case webrtc.PeerConnectionStateClosed, webrtc.PeerConnectionStateDisconnected:
			p.finish(0)
		}
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { p.serve(dc, false) })

	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	if o.role == "offer" {
		var dc *webrtc.DataChannel
		switch o.mode {
		case "echo":
			dc, err = pc.CreateDataChannel(o.label, nil)
		case "receive":
			// The offer needs an m=application section; rtc send opens the file channels.
			dc, err = pc.CreateDataChannel("control", nil)
		case "send":
			proto := transferProtocol
			dc, err = pc.CreateDataChannel(filepath.Base(o.file), &webrtc.DataChannelInit{Protocol: &proto})
		}
		if err != nil {
			fail(1, "data channel: %v", err)
		}
		p.serve(dc, true)
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			fail(1, "offer: %v", err)
		}
		p.setLocal(offer)
		p.setRemote(readDescription(in, "answer"))
	} else {
		p.setRemote(readDescription(in, "offer"))
		answer, err := pc.CreateAnswer(nil)
		if err != nil {
			fail(1, "answer: %v", err)
		}
		p.setLocal(answer)
		if o.mode == "send" {
			proto := transferProtocol
			dc, err := pc.CreateDataChannel(filepath.Base(o.file), &webrtc.DataChannelInit{Protocol: &proto})
			if err != nil {
				fail(1, "data channel: %v", err)
			}
			p.serve(dc, true)
		}
	}

	if o.mode == "echo" {
		go func() { // stdin EOF ends an echo peer (the way the tests stop it)
			_, _ = io.Copy(io.Discard, in)
			p.finish(0)
		}()
	}
	var status int
	select {
	case status = <-p.done:
	case <-time.After(timeout):
		logf("timed out after %v", timeout)
		status = 124
	}
	_ = pc.Close()
	os.Exit(status)
}

// setLocal sets our description and prints it, with every candidate (no trickle).
func (p *peer) setLocal(d webrtc.SessionDescription) {
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		fail(1, "local description: %v", err)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		fail(124, "candidate gathering did not complete within 10 s")
	}
	local := p.pc.LocalDescription()
	emit(description{Type: local.Type.String(), SDP: local.SDP})
}

func readDescription(in *bufio.Reader, want string) webrtc.SessionDescription {
	line, err := in.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		fail(65, "no %s on stdin: %v", want, err)
	}
	var d description
	if err := json.Unmarshal(line, &d); err != nil || d.Type != want || d.SDP == "" {
		fail(65, "stdin: expected {\"type\":%q,\"sdp\":...}, got %.80q", want, line)
	}
	var sd webrtc.SessionDescription
	if want == "offer" {
		sd = webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}
	} else {
		sd = webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: d.SDP}
	}
	return sd
}

func (p *peer) setRemote(d webrtc.SessionDescription) {
	if err := p.pc.SetRemoteDescription(d); err != nil {
		fail(65, "remote description: %v", err)
	}
}

// serve runs the mode's behaviour on a channel once it opens; mine: we created it.
func (p *peer) serve(dc *webrtc.DataChannel, mine bool) {
	dc.OnOpen(func() {
		id := -1
		if dc.ID() != nil {
			id = int(*dc.ID())
		}
		emit(map[string]interface{}{"type": "open", "label": dc.Label(), "id": id,
			"ms": time.Since(started).Milliseconds()})
		raw, err := dc.Detach()
		if err != nil {
			logf("detach %s: %v", dc.Label(), err)
			p.finish(1)
			return
		}
		switch {
		case p.opts.mode == "echo":
			go p.echo(dc, raw)
		case p.opts.mode == "receive" && !mine:
			go p.receive(dc, raw)
		case p.opts.mode == "send" && mine:
			go p.send(dc, raw)
		}
	})
}

func (p *peer) echo(dc *webrtc.DataChannel, raw datachannel.ReadWriteCloser) {
	buf := make([]byte, p.opts.maxMessage)
	for {
		n, isString, err := raw.ReadDataChannel(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				logf("%s: read: %v", dc.Label(), err)
			}
			if p.opts.exitOnClose {
				p.finish(0)
			}
			return
		}
		if _, err := raw.WriteDataChannel(buf[:n], isString); err != nil {
			logf("%s: echo: %v", dc.Label(), err)
			p.finish(1)
			return
		}
	}
}

type transferMessage struct {
	Type   string `json:"type"`
	Name   string `json:"name,omitempty"`
	Size   *int64 `json:"size,omitempty"`
	Bytes  *int64 `json:"bytes,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	OK     *bool  `json:"ok,omitempty"`
	Error  string `json:"error,omitempty"`
}

func (p *peer) fileDone(name string, bytes int64, digest string, ok bool) {
	emit(map[string]interface{}{"type": "file", "name": name, "bytes": bytes, "sha256": digest, "verified": ok,
		"ms": time.Since(started).Milliseconds()})
}

// receive is the rtc-transfer/1 receiver of one channel: header, binary chunks, trailer, verdict.
func (p *peer) receive(dc *webrtc.DataChannel, raw datachannel.ReadWriteCloser) {
	buf := make([]byte, p.opts.maxMessage)
	var name string
	var n int64
	h := sha256.New()
	verdict := func(ok bool, digest, reason string) {
		v := transferMessage{Type: "verdict", OK: &ok, Bytes: &n, SHA256: digest, Error: reason}
		b, _ := json.Marshal(v)
		if _, err := raw.WriteDataChannel(b, true); err != nil {
			logf("%s: verdict: %v", dc.Label(), err)
		}
		p.fileDone(name, n, digest, ok)
		p.filesMu.Lock()
		p.files++
		enough := p.files >= p.opts.count
		p.filesMu.Unlock()
		if !ok {
			p.finish(1)
		} else if enough {
			// The sender closes the channel after the verdict; wait for that (bounded) so the
			// verdict is delivered before we close the connection.
			go func() {
				deadline := time.Now().Add(5 * time.Second)
				for time.Now().Before(deadline) {
					if _, _, err := raw.ReadDataChannel(buf); err != nil {
						break
					}
				}
				p.finish(0)
			}()
		}
	}
	for {
		m, isString, err := raw.ReadDataChannel(buf)
		if err != nil {
			logf("%s: channel ended before the end of the file: %v", dc.Label(), err)
			p.finish(1)
			return
		}
		switch {
		case isString:
			var msg transferMessage
			if err := json.Unmarshal(buf[:m], &msg); err != nil {
				verdict(false, "", "bad control message")
				return
			}
			switch msg.Type {
			case "header":
				name = msg.Name
			case "end":
				digest := hex.EncodeToString(h.Sum(nil))
				ok := msg.Bytes != nil && *msg.Bytes == n && msg.SHA256 == digest
				reason := ""
				if !ok {
					reason = "size or SHA-256 mismatch"
				}
				verdict(ok, digest, reason)
				return
			default:
				verdict(false, "", "unexpected "+msg.Type)
				return
			}
		case name == "":
			verdict(false, "", "data before the header")
			return
		default:
			h.Write(buf[:m])
			n += int64(m)
		}
	}
}

// send is the rtc-transfer/1 sender of -file on its channel.
func (p *peer) send(dc *webrtc.DataChannel, raw datachannel.ReadWriteCloser) {
	f, err := os.Open(p.opts.file)
	if err != nil {
		fail(66, "%v", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		fail(66, "%v", err)
	}
	size := info.Size()
	name := filepath.Base(p.opts.file)
	header, _ := json.Marshal(transferMessage{Type: "header", Name: name, Size: &size})
	if _, err := raw.WriteDataChannel(header, true); err != nil {
		logf("header: %v", err)
		p.finish(1)
		return
	}
	// Flow control: wait for "buffered amount low" whenever more than highWater is queued.
	low := make(chan struct{}, 1)
	dc.SetBufferedAmountLowThreshold(lowWater)
	dc.OnBufferedAmountLow(func() {
		select {
		case low <- struct{}{}:
		default:
		}
	})
	h := sha256.New()
	var n int64
	chunk := make([]byte, chunkSize)
	for {
		m, err := io.ReadFull(f, chunk)
		if m > 0 {
			for dc.BufferedAmount() > highWater {
				select {
				case <-low:
				case <-time.After(30 * time.Second):
					logf("send stalled for 30 s")
					p.finish(1)
					return
				}
			}
			if _, werr := raw.WriteDataChannel(chunk[:m], false); werr != nil {
				logf("send: %v", werr)
				p.finish(1)
				return
			}
			h.Write(chunk[:m])
			n += int64(m)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			logf("read %s: %v", p.opts.file, err)
			p.finish(1)
			return
		}
	}
	digest := hex.EncodeToString(h.Sum(nil))
	trailer, _ := json.Marshal(transferMessage{Type: "end", Bytes: &n, SHA256: digest})
	if _, err := raw.WriteDataChannel(trailer, true); err != nil {
		logf("trailer: %v", err)
		p.finish(1)
		return
	}
	buf := make([]byte, p.opts.maxMessage)
	m, isString, err := raw.ReadDataChannel(buf)
	if err != nil || !isString {
		logf("no verdict: %v", err)
		p.finish(1)
		return
	}
	var v transferMessage
	ok := json.Unmarshal(buf[:m], &v) == nil && v.Type == "verdict" && v.OK != nil && *v.OK && v.SHA256 == digest
	p.fileDone(name, n, digest, ok)
	_ = raw.Close()
	if ok {
		p.finish(0)
	} else {
		logf("verdict: %s", buf[:m])
		p.finish(1)
	}
}
