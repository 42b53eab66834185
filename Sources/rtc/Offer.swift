import ArgumentParser
import RTC

struct Offer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offer",
        abstract: "Create a peer connection, print the offer, read the answer, then chat over a data channel.",
        discussion: """
            Prints the offer as one JSON line ({"type":"offer","sdp":"..."}, the browser's \
            RTCSessionDescriptionInit), reads the answer line from stdin (or --remote FILE), \
            connects and opens channel --label. Then every stdin line is sent as a text message \
            and every message received is printed as a line. EOF on stdin closes the channel \
            once everything queued has been delivered.

            With --json, received messages are {"type":"message","label":L,"id":N,"data":...} \
            lines (binary as base64 with "binary":true) and stdin takes such objects; open and \
            close events carry "label" and "id" too, state events are {"type":"state",...}.

            Several channels: --open LABEL[,OPTION...] (repeatable, offer and answer alike) opens \
            more channels, with options unordered, max-retransmits=N, max-packet-lifetime=MS, \
            protocol=P, id=N (negotiated). Every channel the peer opens is reported as well. An \
            input object with "label" (or "id") goes to that channel, any other to the first \
            channel that opened; an unknown label, or a message above the peer's \
            a=max-message-size (65536 when it gives none), is reported as one stderr line and a \
            {"type":"error","label":L,"reason":R} event, nothing is sent and the session goes on. \
            Without --json stdin lines go to the first channel that opened and messages of every \
            channel are printed. --connect-timeout covers ICE, DTLS, SCTP and the opening of \
            every channel we open (or, when we open none, of the peer's first); past it rtc exits \
            124 naming the phase. EOF on stdin closes every channel once its data is delivered; \
            the session ends when all channels are closed or the peer goes away.

            With --signal tcp-listen:// or ws-listen:// it is a server: peers are served one \
            after another (a peer that connects meanwhile waits its turn) until SIGINT/SIGTERM, \
            --count sessions, or the end of stdin. Connections are vetted concurrently: one that \
            sends garbage, or no valid signaling within --signal-timeout, is dropped without \
            counting toward --count (a session counts once the peer's description arrived). Stdin is shared: each line goes to the session \
            whose channel is open (a line read between sessions waits for the next one; lines in \
            flight when a session ends are lost). EOF on stdin closes the current (or next) \
            session's channel once its data is delivered and then stops the server. SIGINT/SIGTERM \
            closes an open channel gracefully and stops. With --json each session ends with a \
            {"type":"session","session":N,"status":S} line. The exit status is the worst of the \
            sessions' statuses (0 when every session ended cleanly). `rtc answer` serves the same way.

            With --signal whip+http(s)://HOST/PATH (whep+http(s):// to play) rtc is a WHIP/WHEP \
            client (RFC 9725): the offer is POSTed as application/sdp (complete, or at once with \
            --trickle, candidates following by PATCH, and the endpoint's later ones taken from \
            the PATCH responses when it sends them), the 201's body is the answer and its \
            Location the session, DELETEd when the session ends; --token sends a bearer token. A \
            4xx exits 65, no connection or a 5xx 69, no reply within --signal-timeout 124. ICE \
            restarts (RFC 9725 4.4.1) when the path goes silent for 2.5 s, or on the --json input \
            {"type":"ice-restart"}: new credentials are PATCHed, the endpoint's come back, and both \
            sides print {"type":"ice-restart","ufrag":U,"remoteUfrag":R}.

            Two processes over two fifos:
              mkfifo a2b b2a
              rtc offer --ice-host 127.0.0.1 <b2a >a2b &
              rtc answer --ice-host 127.0.0.1 >b2a <a2b   # one side opens its write end first
            """
    )

    @OptionGroup var options: ChatOptions

    func run() throws { try options.run(as: .offer) }
}
