import Dispatch
import RTCCore
import RTCSTUN

/// RFC 5780 NAT behaviour discovery against one STUN server from a real UDP socket, blocking
/// (the library side of `rtc stun-probe`).
public enum NATProbe {
    /// Runs `NATBehaviorDiscovery` against `server` from `local` (default: the source address
    /// routed toward the server) on a fresh event loop, and blocks until every test is done.
    /// - Throws: `NATProbeError` when no socket could be set up; a server that does not answer
    ///   is a result (see `NATBehaviorResult.probeFailure`), not an error.
    public static func run(server: TransportAddress, local: TransportAddress? = nil,
                           configuration: NATBehaviorDiscovery.Configuration) throws -> NATBehaviorResult {
        let bindAddress: TransportAddress
        if let local {
            bindAddress = local
        } else if let routed = LocalRoute.sourceAddress(toward: server) {
            bindAddress = routed
        } else {
            throw NATProbeError.noRoute(server)
        }
        guard bindAddress.family == server.family else {
            throw NATProbeError.familyMismatch(local: bindAddress, server: server)
        }
        let loop = PollEventLoop()
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        loop.start(name: "stun-probe")
        loop.execute {
            do {
                let socket = try UDPSocket(loop: loop, bindTo: bindAddress)
                let client = STUNClient(loop: loop, socket: socket)
                let discovery = NATBehaviorDiscovery(client: client, server: server, local: socket.localAddress,
                                                     configuration: configuration)
                Log.debug("probing \(server) from \(socket.localAddress)", "stun-probe")
                discovery.start { result in
                    withExtendedLifetime((client, discovery)) {}
                    socket.close()
                    box.value = .success(result)
                    done.signal()
                }
            } catch {
                box.value = .failure(.cannotBind(bindAddress, "\(error)"))
                done.signal()
            }
        }
        done.wait()
        loop.stop()
        return try box.value!.get()
    }
}

/// Why `NATProbe.run` could not probe.
public enum NATProbeError: Error, Equatable, CustomStringConvertible {
    /// No local route toward the server.
    case noRoute(TransportAddress)
    /// The local address and the server are of different address families.
    case familyMismatch(local: TransportAddress, server: TransportAddress)
    /// The local address could not be bound (the reason from the socket).
    case cannotBind(TransportAddress, String)

    public var description: String {
        switch self {
        case let .noRoute(server): return "no route to \(server)"
        case let .familyMismatch(local, server):
            return "--local \(local) and server \(server) are of different address families"
        case let .cannotBind(address, reason): return "cannot bind \(address): \(reason)"
        }
    }
}

/// Why a probe gave no mapped address.
public enum NATProbeFailure: Equatable, Sendable {
    /// The server answered the first test with an error response; the message names the code and reason.
    case errorResponse(String)
    /// Responses came but none verified or carried a usable mapped address; the message says which.
    case invalid(String)
    /// No response within the test timeout.
    case noResponse
}

extension NATBehaviorResult {
    /// Why there is no mapped address (nil when there is one).
    public var probeFailure: NATProbeFailure? {
        guard mapped == nil else { return nil }
        let first = tests.last { $0.name == "mapping-1" }
        switch first?.outcome {
        case "error"?:
            let code = error?.code.map { "\($0)" } ?? "without a valid ERROR-CODE"
            let reason = error?.reason.map { $0.isEmpty ? "" : " \($0)" } ?? ""
            return .errorResponse("STUN server \(server) sent error response \(code)\(reason)")
        case "invalid"?:
            return .invalid("STUN server \(server): \(first?.detail ?? "invalid response")")
        default:
            return .noResponse
        }
    }
}

/// The result handed from the loop thread to the blocked caller: written once before
/// `done.signal()` and read after `done.wait()`, which orders the two.
private final class ResultBox: @unchecked Sendable {
    var value: Result<NATBehaviorResult, NATProbeError>?
}
