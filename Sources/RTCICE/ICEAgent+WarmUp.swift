import RTCCore
import RTCSTUN

extension ICEAgent {
    /// Encodes and checks one connectivity check and its answer, as the first real ones will be.
    /// The first HMAC-SHA1 in a process costs OpenSSL ~1 ms of algorithm fetching, which would
    /// otherwise delay the answer to the peer's first check (issue 12: setup time). True when
    /// both messages decoded and verified.
    @discardableResult
    package static func warmUpChecks() -> Bool {
        var rng: any RandomNumberGenerator = SystemRandomNumberGenerator()
        let password = "warm-up-password-of-22+"
        let request = ICEWire.bindingRequest(
            id: ICEWire.newTransactionID(rng: &rng), username: "warm:up", password: password,
            priority: 1, role: .controlling, tieBreaker: 1, useCandidate: true)
        let response = ICEWire.bindingSuccess(
            id: ICEWire.newTransactionID(rng: &rng), mapped: TransportAddress(ipv4: 127, 0, 0, 1, port: 9),
            password: password)
        return [request, response].allSatisfy { ICEWire.decode($0)?.verifyIntegrity(password: password) == true }
    }
}
