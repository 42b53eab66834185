function __rtc_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __rtc_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __rtc_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __rtc_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __rtc_parse_tokens -S
    set -l unparsed_tokens (__rtc_tokens -pc)
    switch $unparsed_tokens[1]
    case 'rtc'
        __rtc_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'offer'
            __rtc_parse_subcommand 0 'ice-host=+' 'stun=+' 'turn=+' 'turn-user=' 'turn-pass=' 'relay-only' 'trickle' 'cert=' 'key=' 'consent-timeout=' 'connect-timeout=' 'compact' 'remote=' 'max-line=' 'delay=' 'loss=' 'v/verbose' 'label=' 'protocol=' 'id=' 'unordered' 'max-retransmits=' 'max-packet-lifetime=' 'open=+' 'signal=' 'signal-timeout=' 'token=' 'video=' 'audio=' 'video-in=' 'audio-in=' 'video-out=' 'audio-out=' 'sdp-out=' 'loop' 'stats-interval=' 'no-data-channel' 'json' 'count=' 'version' 'h/help'
        case 'answer'
            __rtc_parse_subcommand 0 'ice-host=+' 'stun=+' 'turn=+' 'turn-user=' 'turn-pass=' 'relay-only' 'trickle' 'cert=' 'key=' 'consent-timeout=' 'connect-timeout=' 'compact' 'remote=' 'max-line=' 'delay=' 'loss=' 'v/verbose' 'label=' 'protocol=' 'id=' 'unordered' 'max-retransmits=' 'max-packet-lifetime=' 'open=+' 'signal=' 'signal-timeout=' 'token=' 'video=' 'audio=' 'video-in=' 'audio-in=' 'video-out=' 'audio-out=' 'sdp-out=' 'loop' 'stats-interval=' 'no-data-channel' 'json' 'count=' 'version' 'h/help'
        case 'send'
            __rtc_parse_subcommand -r 1 'ice-host=+' 'stun=+' 'turn=+' 'turn-user=' 'turn-pass=' 'relay-only' 'trickle' 'cert=' 'key=' 'consent-timeout=' 'connect-timeout=' 'compact' 'remote=' 'max-line=' 'delay=' 'loss=' 'v/verbose' 'signal=' 'signal-timeout=' 'token=' 'q/quiet' 'progress' 'answer' 'as=' 'count=' 'version' 'h/help'
        case 'listen'
            __rtc_parse_subcommand 0 'ice-host=+' 'stun=+' 'turn=+' 'turn-user=' 'turn-pass=' 'relay-only' 'trickle' 'cert=' 'key=' 'consent-timeout=' 'connect-timeout=' 'compact' 'remote=' 'max-line=' 'delay=' 'loss=' 'v/verbose' 'signal=' 'signal-timeout=' 'token=' 'q/quiet' 'progress' 'o/output=' 'offer' 'overwrite' 'rename' 'count=' 'version' 'h/help'
        case 'sdp-parse'
            __rtc_parse_subcommand 1 'to-sdp' 'max-size=' 'max-lines=' 'version' 'h/help'
        case 'stun-probe'
            __rtc_parse_subcommand 0 'server=+' 'timeout=' 'local=' 'username=' 'password=' 'no-hairpinning' 'v/verbose' 'version' 'h/help'
        case 'bench'
            __rtc_parse_subcommand 0 'processes=' 'size=+' 'bytes=' 'duration=' 'rtt-count=' 'rtt-size=' 'setup-runs=' 'loaded-rtt' 'delay=' 'loss=' 'ice-host=' 'json' 'media' 'rate=+' 'payload-size=' 'relay-command=' 'rtc-binary=' 'version' 'h/help'
        case 'help'
            __rtc_parse_subcommand -r 1 'version'
        end
    end
end

function __rtc_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __rtc_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __rtc_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __rtc_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__rtc_tokens -p)
    if test -z "$(__rtc_tokens -t)"
        set -l index (count (__rtc_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'rtc' -f
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'offer' -d 'Create a peer connection, print the offer, read the answer, then chat over a data channel.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'answer' -d 'Read an offer, print the answer, then chat over the data channels either side opens.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'send' -d 'Send files (or stdin) to a peer over data channels, checked end to end with SHA-256.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'listen' -d 'Receive files sent with `rtc send` (or from the built-in browser page), verified with SHA-256.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'sdp-parse' -d 'Parse SDP into structured JSON, or turn that JSON back into SDP.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'stun-probe' -d 'Discover the NAT in front of this host (RFC 5780) and print it as one JSON object.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'bench' -d 'Benchmark data channels on loopback: setup time, throughput, round-trip latency (--media: RTP forwarding).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_positional "rtc" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer"' -l 'ice-host' -d 'Gather host candidates only on this address (repeatable), e.g. 127.0.0.1 for loopback tests; mDNS lookups of the peer\'s .local candidates use the same interfaces.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer"' -l 'stun' -d 'STUN server for server-reflexive candidates (repeatable). A whip-listen/whep-listen endpoint also offers it to its clients (Link: <URL>; rel="ice-server" on its OPTIONS and 201, RFC 9725 §4.6); given to a WHIP/WHEP client, --stun/--turn replace the endpoint\'s servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer"' -l 'turn' -d 'TURN server for relayed candidates (repeatable; UDP), with --turn-user and --turn-pass. A whip-listen/whep-listen endpoint offers it to its clients with those credentials (Link header, credential-type="password"). The nominating side waits up to 300 ms for a direct pair before it takes a relayed one (100 ms before a server-reflexive one).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" turn-user' -l 'turn-user' -d 'Username for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" turn-pass' -l 'turn-pass' -d 'Password for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" relay-only' -l 'relay-only' -d 'ICE transport policy relay: offer and use only TURN-relayed candidates.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" trickle' -l 'trickle' -d 'Trickle candidates: print each as its own JSON line instead of waiting for all (at most 4 s; a WHIP/WHEP client PATCHes them, takes the endpoint\'s later ones from PATCH responses, and gathers at once on servers the endpoint\'s 201 or restart adds).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" cert' -l 'cert' -d 'PEM certificate for a persistent DTLS identity (with --key).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" key' -l 'key' -d 'PEM private key of --cert.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" consent-timeout' -l 'consent-timeout' -d 'Seconds without consent responses before the peer counts as gone (RFC 7675).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the channel to open before giving up (exit 124).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" compact' -l 'compact' -d 'Print our session description as one short token (base64url of deflated JSON).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" remote' -l 'remote' -d 'Read the remote description from FILE instead of stdin.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" max-line' -l 'max-line' -d 'Longest stdin line accepted, in bytes; a longer one ends the command with exit status 65.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" delay' -l 'delay' -d 'Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" loss' -l 'loss' -d 'Emulate a lossy path: drop PCT percent of the packets this peer receives.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" v verbose' -s 'v' -l 'verbose' -d 'Log connection progress to stderr (with RTC_LOG_TIME=1 each line starts with ms since start).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" label' -l 'label' -d 'Label of the data channel to open.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" protocol' -l 'protocol' -d 'Subprotocol name announced for the channel.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" id' -l 'id' -d 'Negotiate the channel out of band with this stream id (both peers must pass the same).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" unordered' -l 'unordered' -d 'Deliver messages as they arrive instead of in order.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" max-retransmits' -l 'max-retransmits' -d 'Partial reliability: give up on a message after N retransmissions.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" max-packet-lifetime' -l 'max-packet-lifetime' -d 'Partial reliability: give up on a message after MS milliseconds.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer"' -l 'open' -d 'Also open this channel (repeatable, offer and answer): LABEL[,unordered][,max-retransmits=N][,max-packet-lifetime=MS][,protocol=P][,id=N] (id=N: negotiated with that stream id).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" signal' -l 'signal' -d 'Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP endpoint, RFC 9725; without --stun/--turn it uses the endpoint\'s Link rel="ice-server" servers: those of an OPTIONS before the offer, and those the 201 or a restart\'s 200 adds or names with new credentials, gathered on at once with --trickle or else at the next ICE restart), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one, offering its --stun/--turn servers as Link headers). A listening URL with port 0 binds a free port; once bound, stderr says \'rtc: listening on URL\' (the URL peers connect to, with the port). Connecting (tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it refuses; SIGINT/SIGTERM meanwhile exit 130/143. WHIP/WHEP: a 4xx (or a 201 without answer or Location) exits 65, no connection, a 5xx or a reply that is not HTTP 69, no reply within --signal-timeout 124.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" signal-timeout' -l 'signal-timeout' -d 'With a listening --signal: seconds a connection has to send a valid offer, from accept (when we answer), or to answer ours, from when it is sent (when we offer); ws-listen\'s HTTP headers and upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most 64 connections wait in this handshake at once (a newcomer drops the oldest). A WHIP/WHEP client waits this long for each HTTP reply (the 201 to its offer); whip-listen gives a request this long to arrive.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" token' -l 'token' -d 'WHIP/WHEP: the bearer token (RFC 6750) we send as Authorization: Bearer TOKEN on every request (POST, PATCH, DELETE), or, with whip-listen/whep-listen, the one every request must carry (401 otherwise).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" video' -l 'video' -d 'Add a video section with this codec: vp8, vp9, h264 or av1 (with RTX, RFC 4588, for retransmissions).' -rfka 'vp8 vp9 h264 av1 opus pcmu pcma'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" audio' -l 'audio' -d 'Add an audio section with this codec: opus, pcmu or pcma.' -rfka 'vp8 vp9 h264 av1 opus pcmu pcma'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" video-in' -l 'video-in' -d 'Send video from udp://HOST:PORT (RTP sent there, by ffmpeg say) or a file (.ivf, .h264).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" audio-in' -l 'audio-in' -d 'Send audio from udp://HOST:PORT (RTP) or a file (.ogg/.opus for Opus, .wav for PCMU/PCMA).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" video-out' -l 'video-out' -d 'Write the peer\'s video as RTP to udp://HOST:PORT or as frames to a file (.ivf, .h264).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" audio-out' -l 'audio-out' -d 'Write the peer\'s audio as RTP to udp://HOST:PORT or to a file (.ogg/.opus, .wav).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" sdp-out' -l 'sdp-out' -d 'With udp:// outputs: write an SDP file that ffplay or VLC opens to play them.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" loop' -l 'loop' -d 'Restart file sources at their beginning when they end.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" stats-interval' -l 'stats-interval' -d 'With --json, print a stats event per media section every SECONDS (0: never): packets, bytes, loss, jitter, RTT, NACKs, retransmissions (rtxPacketsSent, retransmissionsReceived).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" no-data-channel' -l 'no-data-channel' -d 'Offer media only, without a data-channel section.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" json' -l 'json' -d 'Print and read messages and events as JSON lines.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" count' -l 'count' -d 'With a listening --signal, exit after N sessions (0: serve until stopped).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc offer" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer"' -l 'ice-host' -d 'Gather host candidates only on this address (repeatable), e.g. 127.0.0.1 for loopback tests; mDNS lookups of the peer\'s .local candidates use the same interfaces.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer"' -l 'stun' -d 'STUN server for server-reflexive candidates (repeatable). A whip-listen/whep-listen endpoint also offers it to its clients (Link: <URL>; rel="ice-server" on its OPTIONS and 201, RFC 9725 §4.6); given to a WHIP/WHEP client, --stun/--turn replace the endpoint\'s servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer"' -l 'turn' -d 'TURN server for relayed candidates (repeatable; UDP), with --turn-user and --turn-pass. A whip-listen/whep-listen endpoint offers it to its clients with those credentials (Link header, credential-type="password"). The nominating side waits up to 300 ms for a direct pair before it takes a relayed one (100 ms before a server-reflexive one).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" turn-user' -l 'turn-user' -d 'Username for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" turn-pass' -l 'turn-pass' -d 'Password for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" relay-only' -l 'relay-only' -d 'ICE transport policy relay: offer and use only TURN-relayed candidates.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" trickle' -l 'trickle' -d 'Trickle candidates: print each as its own JSON line instead of waiting for all (at most 4 s; a WHIP/WHEP client PATCHes them, takes the endpoint\'s later ones from PATCH responses, and gathers at once on servers the endpoint\'s 201 or restart adds).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" cert' -l 'cert' -d 'PEM certificate for a persistent DTLS identity (with --key).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" key' -l 'key' -d 'PEM private key of --cert.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" consent-timeout' -l 'consent-timeout' -d 'Seconds without consent responses before the peer counts as gone (RFC 7675).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the channel to open before giving up (exit 124).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" compact' -l 'compact' -d 'Print our session description as one short token (base64url of deflated JSON).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" remote' -l 'remote' -d 'Read the remote description from FILE instead of stdin.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" max-line' -l 'max-line' -d 'Longest stdin line accepted, in bytes; a longer one ends the command with exit status 65.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" delay' -l 'delay' -d 'Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" loss' -l 'loss' -d 'Emulate a lossy path: drop PCT percent of the packets this peer receives.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" v verbose' -s 'v' -l 'verbose' -d 'Log connection progress to stderr (with RTC_LOG_TIME=1 each line starts with ms since start).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" label' -l 'label' -d 'Label of the data channel to open.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" protocol' -l 'protocol' -d 'Subprotocol name announced for the channel.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" id' -l 'id' -d 'Negotiate the channel out of band with this stream id (both peers must pass the same).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" unordered' -l 'unordered' -d 'Deliver messages as they arrive instead of in order.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" max-retransmits' -l 'max-retransmits' -d 'Partial reliability: give up on a message after N retransmissions.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" max-packet-lifetime' -l 'max-packet-lifetime' -d 'Partial reliability: give up on a message after MS milliseconds.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer"' -l 'open' -d 'Also open this channel (repeatable, offer and answer): LABEL[,unordered][,max-retransmits=N][,max-packet-lifetime=MS][,protocol=P][,id=N] (id=N: negotiated with that stream id).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" signal' -l 'signal' -d 'Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP endpoint, RFC 9725; without --stun/--turn it uses the endpoint\'s Link rel="ice-server" servers: those of an OPTIONS before the offer, and those the 201 or a restart\'s 200 adds or names with new credentials, gathered on at once with --trickle or else at the next ICE restart), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one, offering its --stun/--turn servers as Link headers). A listening URL with port 0 binds a free port; once bound, stderr says \'rtc: listening on URL\' (the URL peers connect to, with the port). Connecting (tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it refuses; SIGINT/SIGTERM meanwhile exit 130/143. WHIP/WHEP: a 4xx (or a 201 without answer or Location) exits 65, no connection, a 5xx or a reply that is not HTTP 69, no reply within --signal-timeout 124.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" signal-timeout' -l 'signal-timeout' -d 'With a listening --signal: seconds a connection has to send a valid offer, from accept (when we answer), or to answer ours, from when it is sent (when we offer); ws-listen\'s HTTP headers and upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most 64 connections wait in this handshake at once (a newcomer drops the oldest). A WHIP/WHEP client waits this long for each HTTP reply (the 201 to its offer); whip-listen gives a request this long to arrive.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" token' -l 'token' -d 'WHIP/WHEP: the bearer token (RFC 6750) we send as Authorization: Bearer TOKEN on every request (POST, PATCH, DELETE), or, with whip-listen/whep-listen, the one every request must carry (401 otherwise).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" video' -l 'video' -d 'Add a video section with this codec: vp8, vp9, h264 or av1 (with RTX, RFC 4588, for retransmissions).' -rfka 'vp8 vp9 h264 av1 opus pcmu pcma'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" audio' -l 'audio' -d 'Add an audio section with this codec: opus, pcmu or pcma.' -rfka 'vp8 vp9 h264 av1 opus pcmu pcma'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" video-in' -l 'video-in' -d 'Send video from udp://HOST:PORT (RTP sent there, by ffmpeg say) or a file (.ivf, .h264).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" audio-in' -l 'audio-in' -d 'Send audio from udp://HOST:PORT (RTP) or a file (.ogg/.opus for Opus, .wav for PCMU/PCMA).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" video-out' -l 'video-out' -d 'Write the peer\'s video as RTP to udp://HOST:PORT or as frames to a file (.ivf, .h264).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" audio-out' -l 'audio-out' -d 'Write the peer\'s audio as RTP to udp://HOST:PORT or to a file (.ogg/.opus, .wav).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" sdp-out' -l 'sdp-out' -d 'With udp:// outputs: write an SDP file that ffplay or VLC opens to play them.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" loop' -l 'loop' -d 'Restart file sources at their beginning when they end.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" stats-interval' -l 'stats-interval' -d 'With --json, print a stats event per media section every SECONDS (0: never): packets, bytes, loss, jitter, RTT, NACKs, retransmissions (rtxPacketsSent, retransmissionsReceived).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" no-data-channel' -l 'no-data-channel' -d 'Offer media only, without a data-channel section.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" json' -l 'json' -d 'Print and read messages and events as JSON lines.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" count' -l 'count' -d 'With a listening --signal, exit after N sessions (0: serve until stopped).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc answer" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send"' -l 'ice-host' -d 'Gather host candidates only on this address (repeatable), e.g. 127.0.0.1 for loopback tests; mDNS lookups of the peer\'s .local candidates use the same interfaces.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send"' -l 'stun' -d 'STUN server for server-reflexive candidates (repeatable). A whip-listen/whep-listen endpoint also offers it to its clients (Link: <URL>; rel="ice-server" on its OPTIONS and 201, RFC 9725 §4.6); given to a WHIP/WHEP client, --stun/--turn replace the endpoint\'s servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send"' -l 'turn' -d 'TURN server for relayed candidates (repeatable; UDP), with --turn-user and --turn-pass. A whip-listen/whep-listen endpoint offers it to its clients with those credentials (Link header, credential-type="password"). The nominating side waits up to 300 ms for a direct pair before it takes a relayed one (100 ms before a server-reflexive one).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" turn-user' -l 'turn-user' -d 'Username for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" turn-pass' -l 'turn-pass' -d 'Password for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" relay-only' -l 'relay-only' -d 'ICE transport policy relay: offer and use only TURN-relayed candidates.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" trickle' -l 'trickle' -d 'Trickle candidates: print each as its own JSON line instead of waiting for all (at most 4 s; a WHIP/WHEP client PATCHes them, takes the endpoint\'s later ones from PATCH responses, and gathers at once on servers the endpoint\'s 201 or restart adds).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" cert' -l 'cert' -d 'PEM certificate for a persistent DTLS identity (with --key).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" key' -l 'key' -d 'PEM private key of --cert.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" consent-timeout' -l 'consent-timeout' -d 'Seconds without consent responses before the peer counts as gone (RFC 7675).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the channel to open before giving up (exit 124).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" compact' -l 'compact' -d 'Print our session description as one short token (base64url of deflated JSON).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" remote' -l 'remote' -d 'Read the remote description from FILE instead of stdin.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" max-line' -l 'max-line' -d 'Longest stdin line accepted, in bytes; a longer one ends the command with exit status 65.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" delay' -l 'delay' -d 'Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" loss' -l 'loss' -d 'Emulate a lossy path: drop PCT percent of the packets this peer receives.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" v verbose' -s 'v' -l 'verbose' -d 'Log connection progress to stderr (with RTC_LOG_TIME=1 each line starts with ms since start).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" signal' -l 'signal' -d 'Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP endpoint, RFC 9725; without --stun/--turn it uses the endpoint\'s Link rel="ice-server" servers: those of an OPTIONS before the offer, and those the 201 or a restart\'s 200 adds or names with new credentials, gathered on at once with --trickle or else at the next ICE restart), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one, offering its --stun/--turn servers as Link headers). A listening URL with port 0 binds a free port; once bound, stderr says \'rtc: listening on URL\' (the URL peers connect to, with the port). Connecting (tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it refuses; SIGINT/SIGTERM meanwhile exit 130/143. WHIP/WHEP: a 4xx (or a 201 without answer or Location) exits 65, no connection, a 5xx or a reply that is not HTTP 69, no reply within --signal-timeout 124.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" signal-timeout' -l 'signal-timeout' -d 'With a listening --signal: seconds a connection has to send a valid offer, from accept (when we answer), or to answer ours, from when it is sent (when we offer); ws-listen\'s HTTP headers and upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most 64 connections wait in this handshake at once (a newcomer drops the oldest). A WHIP/WHEP client waits this long for each HTTP reply (the 201 to its offer); whip-listen gives a request this long to arrive.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" token' -l 'token' -d 'WHIP/WHEP: the bearer token (RFC 6750) we send as Authorization: Bearer TOKEN on every request (POST, PATCH, DELETE), or, with whip-listen/whep-listen, the one every request must carry (401 otherwise).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" q quiet' -s 'q' -l 'quiet' -d 'No progress bar.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" progress' -l 'progress' -d 'Show the progress bar even when stderr is not a terminal.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" answer' -l 'answer' -d 'Answer the peer\'s offer instead of offering.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" as' -l 'as' -d 'Announce the (single) file under this name instead of its own (stdin is announced as \'stdin\').' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" count' -l 'count' -d 'With a listening --signal, exit after N sessions (0: serve until stopped).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc send" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen"' -l 'ice-host' -d 'Gather host candidates only on this address (repeatable), e.g. 127.0.0.1 for loopback tests; mDNS lookups of the peer\'s .local candidates use the same interfaces.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen"' -l 'stun' -d 'STUN server for server-reflexive candidates (repeatable). A whip-listen/whep-listen endpoint also offers it to its clients (Link: <URL>; rel="ice-server" on its OPTIONS and 201, RFC 9725 §4.6); given to a WHIP/WHEP client, --stun/--turn replace the endpoint\'s servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen"' -l 'turn' -d 'TURN server for relayed candidates (repeatable; UDP), with --turn-user and --turn-pass. A whip-listen/whep-listen endpoint offers it to its clients with those credentials (Link header, credential-type="password"). The nominating side waits up to 300 ms for a direct pair before it takes a relayed one (100 ms before a server-reflexive one).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" turn-user' -l 'turn-user' -d 'Username for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" turn-pass' -l 'turn-pass' -d 'Password for the --turn servers.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" relay-only' -l 'relay-only' -d 'ICE transport policy relay: offer and use only TURN-relayed candidates.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" trickle' -l 'trickle' -d 'Trickle candidates: print each as its own JSON line instead of waiting for all (at most 4 s; a WHIP/WHEP client PATCHes them, takes the endpoint\'s later ones from PATCH responses, and gathers at once on servers the endpoint\'s 201 or restart adds).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" cert' -l 'cert' -d 'PEM certificate for a persistent DTLS identity (with --key).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" key' -l 'key' -d 'PEM private key of --cert.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" consent-timeout' -l 'consent-timeout' -d 'Seconds without consent responses before the peer counts as gone (RFC 7675).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" connect-timeout' -l 'connect-timeout' -d 'Seconds to wait for the channel to open before giving up (exit 124).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" compact' -l 'compact' -d 'Print our session description as one short token (base64url of deflated JSON).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" remote' -l 'remote' -d 'Read the remote description from FILE instead of stdin.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" max-line' -l 'max-line' -d 'Longest stdin line accepted, in bytes; a longer one ends the command with exit status 65.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" delay' -l 'delay' -d 'Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" loss' -l 'loss' -d 'Emulate a lossy path: drop PCT percent of the packets this peer receives.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" v verbose' -s 'v' -l 'verbose' -d 'Log connection progress to stderr (with RTC_LOG_TIME=1 each line starts with ms since start).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" signal' -l 'signal' -d 'Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP endpoint, RFC 9725; without --stun/--turn it uses the endpoint\'s Link rel="ice-server" servers: those of an OPTIONS before the offer, and those the 201 or a restart\'s 200 adds or names with new credentials, gathered on at once with --trickle or else at the next ICE restart), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one, offering its --stun/--turn servers as Link headers). A listening URL with port 0 binds a free port; once bound, stderr says \'rtc: listening on URL\' (the URL peers connect to, with the port). Connecting (tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it refuses; SIGINT/SIGTERM meanwhile exit 130/143. WHIP/WHEP: a 4xx (or a 201 without answer or Location) exits 65, no connection, a 5xx or a reply that is not HTTP 69, no reply within --signal-timeout 124.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" signal-timeout' -l 'signal-timeout' -d 'With a listening --signal: seconds a connection has to send a valid offer, from accept (when we answer), or to answer ours, from when it is sent (when we offer); ws-listen\'s HTTP headers and upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most 64 connections wait in this handshake at once (a newcomer drops the oldest). A WHIP/WHEP client waits this long for each HTTP reply (the 201 to its offer); whip-listen gives a request this long to arrive.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" token' -l 'token' -d 'WHIP/WHEP: the bearer token (RFC 6750) we send as Authorization: Bearer TOKEN on every request (POST, PATCH, DELETE), or, with whip-listen/whep-listen, the one every request must carry (401 otherwise).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" q quiet' -s 'q' -l 'quiet' -d 'No progress bar.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" progress' -l 'progress' -d 'Show the progress bar even when stderr is not a terminal.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" o output' -s 'o' -l 'output' -d 'Directory for received files (created if missing), a file name for a single file, or - for stdout.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" offer' -l 'offer' -d 'Offer the connection instead of answering.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" overwrite' -l 'overwrite' -d 'Replace a file whose name exists, once the new one is verified (default: refuse it).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" rename' -l 'rename' -d 'Write NAME (1).EXT, NAME (2).EXT, ... when NAME exists (default: refuse the file).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" count' -l 'count' -d 'With a listening --signal, exit after N sessions (0: serve until stopped).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc listen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc sdp-parse" to-sdp' -l 'to-sdp' -d 'Turn the structured JSON back into SDP.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc sdp-parse" max-size' -l 'max-size' -d 'Largest input, and largest SDP, accepted in bytes.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc sdp-parse" max-lines' -l 'max-lines' -d 'Most lines accepted in one SDP.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc sdp-parse" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc sdp-parse" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe"' -l 'server' -d 'STUN server to probe (repeatable); default from $RTC_STUN_SERVER.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" timeout' -l 'timeout' -d 'Seconds each test waits for a response (the server counts as unreachable after this).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" local' -l 'local' -d 'Local address to bind, IP or IP:PORT; default the source address routed toward the server.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" username' -l 'username' -d 'Short-term credential username (RFC 8489 §9.1); needs --password.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" password' -l 'password' -d 'Short-term credential password: requests are signed with it and unsigned responses discarded.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" no-hairpinning' -l 'no-hairpinning' -d 'Skip the hairpinning test.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" v verbose' -s 'v' -l 'verbose' -d 'Log STUN progress to stderr.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc stun-probe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" processes' -l 'processes' -d 'Number of processes: 1 (both peers here) or 2 (a child rtc process receives).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench"' -l 'size' -d 'Message size in bytes for throughput runs (repeatable).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" bytes' -l 'bytes' -d 'Bytes to send per throughput case.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" duration' -l 'duration' -d 'Longest a throughput case may send, in seconds.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" rtt-count' -l 'rtt-count' -d 'Round trips to measure.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" rtt-size' -l 'rtt-size' -d 'Bytes per ping-pong message.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" setup-runs' -l 'setup-runs' -d 'Fresh connections to time setup over (in-process).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" loaded-rtt' -l 'loaded-rtt' -d 'Also ping while the throughput cases send (default with --delay or --loss).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" delay' -l 'delay' -d 'Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" loss' -l 'loss' -d 'Emulate a lossy path: drop PCT percent of the packets this peer receives.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" ice-host' -l 'ice-host' -d 'Loopback address to run on.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" json' -l 'json' -d 'Only the JSON report (no table on stderr).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" media' -l 'media' -d 'Benchmark media instead: RTP forwarded through two rtc processes (see MEDIA below).'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench"' -l 'rate' -d '--media: packets per second to send, or max (repeatable; default 10000 and max).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" payload-size' -l 'payload-size' -d '--media: RTP payload bytes.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" relay-command' -l 'relay-command' -d '--media: measure this command instead of two rtc processes ({in} and {out} become the ports).' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" rtc-binary' -l 'rtc-binary' -d '--media: the rtc executable to run as offer and answer (default: this one), e.g. another build.' -rfka ''
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" version' -l 'version' -d 'Show the version.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'rtc' -n '__rtc_should_offer_completions_for_flags_or_options "rtc help" version' -l 'version' -d 'Show the version.'
