// swift-tools-version:6.0
import PackageDescription

/// The library's layers, bottom first: a layer may import only layers before it (Scripts/check-layers).
let layers: [Target.Dependency] = [
    "RTCCore", "RTCCrypto", "RTCSTUN", "RTCTURN", "RTCSDP", "RTCMDNS", "RTCVirtualNetwork", "RTCICE", "RTCDTLS",
    "RTCSCTP", "RTCDataChannel", "RTCRTP", "RTCMedia", "RTCSRTP", "RTCPeerConnection", "RTCMediaIO",
]
/// Release builds optimize across the layers' module boundaries (generic and small hot-path functions
/// inline into their callers as they did when the stack was one module), and reach the metadata of
/// concrete types (`[ObjectIdentifier: Weak<…>]`, `Optional<DataChannel>`, ...) through direct
/// accessor calls rather than mangled names demangled at run time: a type's first use otherwise scans
/// every protocol conformance record in the binary (~7,000) per generic requirement, on the way from
/// the remote description to the open channel (issue 12). Every target builds in the Swift 6 language
/// mode (checked concurrency: the package's `swiftLanguageModes`).
let layerSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "rtc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rtc", targets: ["rtc"]),
        .library(name: "RTC", targets: ["RTC"]),
        .library(name: "RTCSignaling", targets: ["RTCSignaling"]),
        .library(name: "RTCSession", targets: ["RTCSession"]),
        .library(name: "RTCTransfer", targets: ["RTCTransfer"]),
        .library(name: "RTCBench", targets: ["RTCBench"]),
        .library(name: "RTCSDPJSON", targets: ["RTCSDPJSON"]),
        .library(name: "RTCNATProbe", targets: ["RTCNATProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // WHIP/WHEP client (`--signal whip+https://…`): HTTP/1.1 + HTTPS with the system trust store.
        // Cost (release, --static-swift-stdlib, same machine): +7.0 MB text (stripped binary 24.3 -> 32.2
        // MB: swift-nio-ssl's BoringSSL, NIOHTTP2, AsyncHTTPClient), `rtc --version` 9.9M -> 12.0M
        // instructions (callgrind), 529 -> 612 page faults: the runtime's conformance scan covers more
        // records; the client itself is only created for a whip/whep URL.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // OpenSSL and usrsctp are linked statically (the .a files come with libssl-dev and
        // libusrsctp-dev, see RTCCore's and RTCSCTP's linkerSettings): only the objects we use are mapped, and the
        // loader resolves no symbols for them; about 0.6 MiB less RSS per process.
        .systemLibrary(name: "COpenSSL"),
        .systemLibrary(name: "CUsrsctp"),
        // libsrtp2's header (the library is dlopen'ed on first use, Sources/RTCSRTP/SRTPLibrary.swift)
        // and the OpenSSL transforms we hand its crypto kernel in place of Debian's NSS ones.
        .target(name: "CSRTP"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CRTCSocket"),
        // One target per layer; each imports only the ones above it in this list (Scripts/check-layers
        // reads the order from here). `package` access is what a neighbour layer may use of another.
        .target(name: "RTCCore", dependencies: ["COpenSSL", "CRTCSocket"], swiftSettings: layerSettings,
                linkerSettings: [.linkedLibrary(":libssl.a"), .linkedLibrary(":libcrypto.a")]),
        .target(name: "RTCCrypto", dependencies: ["COpenSSL"], swiftSettings: layerSettings),
        .target(name: "RTCSTUN", dependencies: ["RTCCore", "RTCCrypto"], swiftSettings: layerSettings),
        .target(name: "RTCTURN", dependencies: ["RTCCore", "RTCSTUN"], swiftSettings: layerSettings),
        .target(name: "RTCSDP", swiftSettings: layerSettings),
        .target(name: "RTCMDNS", dependencies: ["RTCCore", "CRTCSocket"], swiftSettings: layerSettings),
        // Below ICE although nothing under it needs it: ICE's tests run on it.
        .target(name: "RTCVirtualNetwork", dependencies: ["RTCCore", "RTCSTUN"], swiftSettings: layerSettings),
        .target(name: "RTCICE", dependencies: ["RTCCore", "RTCCrypto", "RTCSTUN", "RTCTURN", "RTCSDP"],
                swiftSettings: layerSettings),
        .target(name: "RTCDTLS", dependencies: ["RTCCore", "COpenSSL"], swiftSettings: layerSettings),
        .target(name: "RTCSCTP", dependencies: ["RTCCore", "CUsrsctp", "CRTCSocket"], swiftSettings: layerSettings,
                linkerSettings: [.linkedLibrary(":libusrsctp.a")]),
        .target(name: "RTCDataChannel", dependencies: ["RTCCore", "RTCSCTP"], swiftSettings: layerSettings),
        .target(name: "RTCRTP", dependencies: ["RTCCore"], swiftSettings: layerSettings),
        .target(name: "RTCMedia", dependencies: ["RTCCore", "RTCRTP"], swiftSettings: layerSettings),
        // CSRTP's transforms use libcrypto, linked by RTCCore (after libssl: one list keeps the order).
        .target(name: "RTCSRTP", dependencies: ["RTCCore", "RTCDTLS", "CSRTP"], swiftSettings: layerSettings),
        .target(name: "RTCPeerConnection",
                dependencies: ["RTCCore", "RTCCrypto", "RTCSTUN", "RTCTURN", "RTCSDP", "RTCMDNS", "RTCICE", "RTCDTLS",
                               "RTCSCTP", "RTCDataChannel", "RTCRTP", "RTCMedia", "RTCSRTP"],
                swiftSettings: layerSettings),
        .target(name: "RTCMediaIO", dependencies: ["RTCCore", "RTCRTP", "RTCMedia", "RTCPeerConnection"],
                swiftSettings: layerSettings),
        // The umbrella: re-exports every layer (Sources/RTC/RTC.swift).
        .target(name: "RTC", dependencies: layers, swiftSettings: layerSettings),
        // Above the umbrella (Swift 6 language mode): signaling transports (stdio lines, TCP aiortc format,
        // WebSocket, WHIP/WHEP) with listener serving, then one peer session over any of them.
        .target(
            name: "RTCSignaling",
            dependencies: [
                "RTC", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: layerSettings
        ),
        .target(name: "RTCSession", dependencies: ["RTC", "RTCSignaling"],
                swiftSettings: layerSettings),
        // rtc-transfer/1 (`rtc send` / `rtc listen`): protocol, sender, receiver, file sinks.
        .target(name: "RTCTransfer", dependencies: ["RTC", "RTCSignaling", "CRTCSocket"],
                swiftSettings: layerSettings),
        // `rtc bench`: cases, measurement, reports, the child processes and the media relay bench.
        .target(name: "RTCBench", dependencies: [
            "RTC", "RTCSignaling", "CRTCSocket", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // SDP ⇄ structured JSON (`rtc sdp-parse`).
        .target(name: "RTCSDPJSON", dependencies: ["RTCCore", "RTCSDP"]),
        // RFC 5780 discovery from a real socket, blocking (`rtc stun-probe`).
        .target(name: "RTCNATProbe", dependencies: ["RTCCore", "RTCSTUN"]),
        // `swift run rtc-example-echo`: two sessions in one process echo a message (README "Using RTC from Swift").
        .executableTarget(name: "rtc-example-echo", dependencies: ["RTC", "RTCSignaling", "RTCSession"],
                          path: "Examples/echo"),
        .executableTarget(
            name: "rtc",
            dependencies: [
                "RTC", "RTCSignaling", "RTCSession", "RTCTransfer", "RTCBench", "RTCSDPJSON", "RTCNATProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["link.order"],
            // The CLI only parses options and maps the library's events and outcomes to JSON lines
            // and exit statuses (Scripts/check-layers keeps logic below it).
            // Release: metadata of the option types (Option<String?>, OptionGroup<PeerOptions>, ...)
            // through direct accessor calls rather than mangled names demangled at run time:
            // argument parsing is on the way to every offer (issue 12).
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
                                         .when(configuration: .release))],
            // Release links with lld, for resident memory (issue 6):
            // - RELR relocations (glibc 2.36+): gold's 1.3 MB of R_X86_64_RELATIVE entries were
            //   read, and their pages kept, at every start;
            // - no exported symbols (the static stdlib's link file exports all of ours);
            // - link.order (Scripts/gen-link-order) packs the code our jobs run together, so the
            //   kernel's 64 KiB fault-around maps hot code instead of its cold neighbours.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                                           "-Xlinker", "--no-export-dynamic",
                                           "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/rtc/link.order",
                                           "-Xlinker", "--no-warn-symbol-ordering"],
                                          .when(configuration: .release))]
        ),
        // libFuzzer targets, built by Scripts/fuzz with -sanitize=fuzzer,address -DRTC_LIBFUZZER; a plain
        // debug build replays corpus files (rtc-fuzz TARGET Tests/Fuzz/TARGET).
        .executableTarget(name: "rtc-fuzz", dependencies: ["RTC", "RTCSignaling", "RTCTransfer"]),
        // Shared by the test targets: real peers the tests start (coturn on loopback),
        // and the helpers several layers' tests share: SCTP and DTLS pairs, the usrsctp suite, the SDP corpus,
        // STUN and TURN servers for the virtual network.
        .target(name: "RTCTestSupport", dependencies: ["RTCCore", "RTCSTUN", "RTCDTLS", "RTCSCTP"], path: "Tests/TestSupport",
                resources: [.copy("Corpus")]),
        // One test target per layer, holding the tests of that layer (a test that needs several layers
        // lives with the highest one); RTCTests has the cross-layer input-limit tests.
        .testTarget(name: "RTCCoreTests", dependencies: ["RTCCore"]),
        .testTarget(name: "RTCSTUNTests", dependencies: ["RTCCore", "RTCCrypto", "RTCSTUN"]),
        .testTarget(name: "RTCTURNTests", dependencies: ["RTCCore", "RTCSTUN", "RTCTURN", "RTCTestSupport"]),
        .testTarget(name: "RTCSDPTests", dependencies: ["RTCCore", "RTCSDP", "RTCTestSupport"]),
        .testTarget(name: "RTCICETests", dependencies: ["RTCCore", "RTCCrypto", "RTCSTUN", "RTCVirtualNetwork", "RTCICE",
                                                      "RTCTestSupport"]),
        .testTarget(name: "RTCDTLSTests", dependencies: ["RTCCore", "RTCDTLS", "COpenSSL", "RTCTestSupport"]),
        .testTarget(name: "RTCSCTPTests", dependencies: ["RTCCore", "RTCDTLS", "RTCSCTP", "CUsrsctp", "CRTCSocket", "RTCTestSupport"]),
        .testTarget(name: "RTCDataChannelTests", dependencies: ["RTCCore", "RTCSCTP", "RTCDataChannel", "RTCTestSupport"]),
        .testTarget(name: "RTCRTPTests", dependencies: ["RTCCore", "RTCCrypto", "RTCRTP"]),
        .testTarget(name: "RTCMediaTests", dependencies: ["RTCCore", "RTCRTP", "RTCMedia"]),
        .testTarget(name: "RTCSRTPTests", dependencies: ["RTCCore", "RTCCrypto", "RTCDTLS", "RTCSCTP", "RTCSRTP", "RTCTestSupport"]),
        .testTarget(name: "RTCPeerConnectionTests", dependencies: layers + ["RTCTestSupport"]),
        .testTarget(name: "RTCTests", dependencies: ["RTC", "RTCTestSupport"]),
        .testTarget(name: "RTCSignalingTests", dependencies: ["RTCCore", "RTCSDP", "RTCPeerConnection", "RTC", "RTCSignaling",
                                                            "RTCTestSupport"]),
        .testTarget(name: "RTCSessionTests", dependencies: ["RTC", "RTCSignaling", "RTCSession", "RTCTestSupport"]),
        .testTarget(name: "RTCTransferTests", dependencies: ["RTCTransfer", "RTCSignaling", "RTC", "RTCTestSupport"]),
        .testTarget(name: "RTCSDPJSONTests", dependencies: ["RTCCore", "RTCSDP", "RTCSDPJSON", "RTCTestSupport"]),
        .testTarget(name: "RTCNATProbeTests", dependencies: ["RTCCore", "RTCSTUN", "RTCNATProbe", "RTCTestSupport"]),
        .testTarget(name: "RTCBenchTests", dependencies: ["RTCBench", "RTC", "RTCTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["rtc", "RTC", "RTCTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
