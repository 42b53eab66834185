#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp
import RTCCore

/// EXPERIMENT (temporary, issue 15 item 9): usrsctp knobs from `RTC_X="name=value,..."` so one
/// build can be measured with many settings. Sysctl names as in usrsctp.h; plus `idata=1`,
/// `sndcwnd=N` (send buffer bound in tenths of a congestion window), `rtomin=MS` (RTO.min of
/// paths of 50 ms and more), `stats=1`.
enum SCTPExperiment {
    static let values: [String: UInt32] = {
        guard let raw = getenv("RTC_X") else { return [:] }
        var out: [String: UInt32] = [:]
        for pair in String(cString: raw).split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let v = UInt32(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }()

    static func value(_ name: String) -> UInt32? { values[name] }

    static func applySysctls() {
        for (name, v) in values {
            var rc: Int32 = 0
            switch name {
            case "sctp_default_cc_module": rc = usrsctp_sysctl_set_sctp_default_cc_module(v)
            case "sctp_default_ss_module": rc = usrsctp_sysctl_set_sctp_default_ss_module(v)
            case "sctp_delayed_sack_time_default": rc = usrsctp_sysctl_set_sctp_delayed_sack_time_default(v)
            case "sctp_sack_freq_default": rc = usrsctp_sysctl_set_sctp_sack_freq_default(v)
            case "sctp_enable_sack_immediately": rc = usrsctp_sysctl_set_sctp_enable_sack_immediately(v)
            case "sctp_max_burst_default": rc = usrsctp_sysctl_set_sctp_max_burst_default(v)
            case "sctp_fr_max_burst_default": rc = usrsctp_sysctl_set_sctp_fr_max_burst_default(v)
            case "sctp_initial_cwnd": rc = usrsctp_sysctl_set_sctp_initial_cwnd(v)
            case "sctp_use_cwnd_based_maxburst": rc = usrsctp_sysctl_set_sctp_use_cwnd_based_maxburst(v)
            case "sctp_L2_abc_variable": rc = usrsctp_sysctl_set_sctp_L2_abc_variable(v)
            case "sctp_max_retran_chunk": rc = usrsctp_sysctl_set_sctp_max_retran_chunk(v)
            case "sctp_rto_min_default": rc = usrsctp_sysctl_set_sctp_rto_min_default(v)
            case "sctp_rto_initial_default": rc = usrsctp_sysctl_set_sctp_rto_initial_default(v)
            case "sctp_cmt_on_off": rc = usrsctp_sysctl_set_sctp_cmt_on_off(v)
            case "sctp_steady_step": rc = usrsctp_sysctl_set_sctp_steady_step(v)
            case "sctp_rttvar_bw": rc = usrsctp_sysctl_set_sctp_rttvar_bw(v)
            case "sctp_rttvar_rtt": rc = usrsctp_sysctl_set_sctp_rttvar_rtt(v)
            case "sctp_rttvar_eqret": rc = usrsctp_sysctl_set_sctp_rttvar_eqret(v)
            case "sctp_buffer_splitting": rc = usrsctp_sysctl_set_sctp_buffer_splitting(v)
            case "sctp_path_pf_threshold": rc = usrsctp_sysctl_set_sctp_path_pf_threshold(v)
            case "sctp_add_more_threshold": rc = usrsctp_sysctl_set_sctp_add_more_threshold(v)
            case "sctp_nr_sack": rc = usrsctp_sysctl_set_sctp_nrsack_enable(v)
            case "idata", "sndcwnd", "rtomin", "stats": continue
            default:
                Log.warn("RTC_X: unknown \(name)", "sctp")
                continue
            }
            if rc != 0 { Log.warn("RTC_X: \(name)=\(v) refused", "sctp") }
        }
        if value("stats") == 1 { atexit { rtc_sctp_print_stats() } }
    }
}
