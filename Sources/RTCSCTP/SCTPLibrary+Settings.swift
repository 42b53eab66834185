import CUsrsctp

extension SCTPLibrary {
    /// RTO.min of a path not yet measured, and of paths up to 10 ms (ms).
    static let minimumRTO: UInt32 = 200

    /// RTO.min for a path with smoothed RTT `srtt` (ms): 20 round trips, 200 ms...1 s (the RFC
    /// 9260 default). T3-rtx then checks for loss at most every ~20 round trips (see
    /// `SCTPAssociation.adaptToPath`); a LAN keeps its quick 200 ms recovery.
    static func minimumRTO(srtt: UInt32) -> UInt32 {
        srtt >= 50 ? 1000 : max(minimumRTO, srtt * 20)
    }

    /// Process-wide usrsctp sysctls. They must be set after `usrsctp_init*` (which resets them)
    /// and before the first `usrsctp_socket`. Values follow what WebRTC stacks use; each says why.
    static func applySettings() {
        if crcOffload {
            // Skip CRC32c checks on input: DTLS below already authenticates every packet.
            usrsctp_enable_crc32c_offload()
        }
        // ECN: the application cannot see the IP ECN bits under DTLS/UDP, so ECN can only add
        // chunks and state. Off, as in browsers.
        _ = usrsctp_sysctl_set_sctp_ecn_enable(0)
        // Partial reliability (RFC 3758): needed for maxRetransmits / maxPacketLifeTime channels.
        _ = usrsctp_sysctl_set_sctp_pr_enable(1)
        // Stream reconfiguration (RFC 6525): data channels close by resetting their streams.
        _ = usrsctp_sysctl_set_sctp_reconfig_enable(1)
        // NR-SACK is a non-standard extension browsers do not speak; keep plain SACKs.
        _ = usrsctp_sysctl_set_sctp_nrsack_enable(0)
        // No address reconfiguration over DTLS (one "address"); ASCONF needs AUTH, AUTH is unused.
        _ = usrsctp_sysctl_set_sctp_auto_asconf(0)
        _ = usrsctp_sysctl_set_sctp_asconf_enable(0)
        _ = usrsctp_sysctl_set_sctp_auth_enable(0)
        // Packet-drop reports are a non-standard extension too.
        _ = usrsctp_sysctl_set_sctp_pktdrop_enable(0)
        // Initial RTO 1 s (RFC 4960 default), minimum 200 ms so a lost packet on a LAN is resent
        // quickly instead of after a full second (each association raises its own minimum on
        // long paths, see `minimumRTO(srtt:)`), maximum 10 s so a long outage does not leave the
        // sender idle for a minute (RFC default 60 s) once the path comes back.
        _ = usrsctp_sysctl_set_sctp_rto_initial_default(1000)
        _ = usrsctp_sysctl_set_sctp_rto_min_default(minimumRTO)
        _ = usrsctp_sysctl_set_sctp_rto_max_default(10_000)
        // INIT retransmissions capped at 10 s: setup runs right after DTLS, an INIT lost then
        // should not cost a 60 s back-off.
        _ = usrsctp_sysctl_set_sctp_init_rto_max_default(10_000)
        // Delayed SACK 20 ms instead of 200 ms: faster feedback grows the congestion window
        // sooner and keeps small request/response traffic snappy.
        _ = usrsctp_sysctl_set_sctp_delayed_sack_time_default(20)
        // SACK-IMMEDIATELY (RFC 7053) on the last fragment of a message, so the sender learns
        // at once that its buffer can be reused.
        _ = usrsctp_sysctl_set_sctp_enable_sack_immediately(1)
        // Max burst 10 (default 4): bursts after idle stay bounded, but a fast path is not
        // throttled to 4 packets per SACK.
        _ = usrsctp_sysctl_set_sctp_max_burst_default(10)
        // HighSpeed TCP's window rules (RFC 3649, usrsctp's SCTP_CC_HSTCP) instead of RFC 4960's:
        // the same Reno response below a 38 KB window (any path losing 0.1% or more at 50 ms
        // RTT sits there), a gentler one above it. On a 50 ms path losing 0.1% (`rtc bench
        // --processes 2 --delay 25 --loss 0.1 --size 65536`, release) reliable channels moved
        // 1.6-2.2 MB/s instead of 0.9-1.3; at 1% nothing changed (README, "Lossy paths"). H-TCP
        // (module 2) made usrsctp time out 8× as often (0.13 MB/s at 1%), RTCC (3) = RFC 4960.
        _ = usrsctp_sysctl_set_sctp_default_cc_module(UInt32(SCTP_CC_HSTCP))
        // Initial congestion window of 10 MTUs (as TCP's RFC 6928) instead of the classic 3-4.
        _ = usrsctp_sysctl_set_sctp_initial_cwnd(10)
        // Default buffer space for sockets (the association also sets SO_SNDBUF/SO_RCVBUF).
        _ = usrsctp_sysctl_set_sctp_sendspace(1 << 20)
        _ = usrsctp_sysctl_set_sctp_recvspace(1 << 20)
        // Chunks an association may hold queued (default 512, ~600 KB of 1200-byte packets):
        // that capped the window at ~400 KB, i.e. 8 MB/s at 50 ms RTT. Buffers bound memory instead.
        _ = usrsctp_sysctl_set_sctp_max_chunks_on_queue(1 << 16)
        // 1024 streams each way: data channel ids are stream ids (RFC 8831 §6.2).
        _ = usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(1024)
        _ = usrsctp_sysctl_set_sctp_nr_incoming_streams_default(1024)
        // Keep user messages whole in the receive path when they fit: no partial delivery
        // interleaving across streams (we reassemble by MSG_EOR anyway).
        _ = usrsctp_sysctl_set_sctp_default_frag_interleave(0)
        // No heartbeats more than every 10 s; ICE consent already checks liveness.
        _ = usrsctp_sysctl_set_sctp_heartbeat_interval_default(10_000)
    }
}
