import CUsrsctp
#if canImport(Glibc)
import Glibc
#endif

// TEMPORARY experiment knobs (not to be merged): RTC_SCTP_X="cc=2,sack_delay=0,..."
extension SCTPLibrary {
    static let experiment: [String: UInt32] = {
        guard let raw = getenv("RTC_SCTP_X") else { return [:] }
        var out: [String: UInt32] = [:]
        for pair in String(cString: raw).split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let v = UInt32(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }()

    static func applyExperiment() {
        let x = experiment
        if let v = x["cc"] { _ = usrsctp_sysctl_set_sctp_default_cc_module(v) }
        if let v = x["ss"] { _ = usrsctp_sysctl_set_sctp_default_ss_module(v) }
        if let v = x["sack_delay"] { _ = usrsctp_sysctl_set_sctp_delayed_sack_time_default(v) }
        if let v = x["sack_freq"] { _ = usrsctp_sysctl_set_sctp_sack_freq_default(v) }
        if let v = x["fr_max_burst"] { _ = usrsctp_sysctl_set_sctp_fr_max_burst_default(v) }
        if let v = x["max_burst"] { _ = usrsctp_sysctl_set_sctp_max_burst_default(v) }
        if let v = x["initial_cwnd"] { _ = usrsctp_sysctl_set_sctp_initial_cwnd(v) }
        if let v = x["cwnd_maxburst"] { _ = usrsctp_sysctl_set_sctp_use_cwnd_based_maxburst(v) }
    }
}
