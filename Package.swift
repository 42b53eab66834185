// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rtc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rtc", targets: ["rtc"]),
        .library(name: "RTC", targets: ["RTC"]),
        .library(name: "RTCSignaling", targets: ["RTCSignaling"]),
        .library(name: "RTCSession", targets: ["RTCSession"]),
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
        // libusrsctp-dev, see RTC's linkerSettings): only the objects we use are mapped, and the
        // loader resolves no symbols for them; about 0.6 MiB less RSS per process.
        .systemLibrary(name: "COpenSSL"),
        .systemLibrary(name: "CUsrsctp"),
        // libsrtp2's header (the library is dlopen'ed on first use, Sources/RTC/SRTP/SRTPLibrary.swift)
        // and the OpenSSL transforms we hand its crypto kernel in place of Debian's NSS ones.
        .target(name: "CSRTP"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CRTCSocket"),
        .target(
            name: "RTC",
            dependencies: ["COpenSSL", "CUsrsctp", "CSRTP", "CRTCSocket", "CZlib"],
            linkerSettings: [
                .linkedLibrary(":libssl.a"), .linkedLibrary(":libcrypto.a"), .linkedLibrary(":libusrsctp.a"),
            ]
        ),
        // Signaling transports (stdio lines, TCP aiortc format, WebSocket, WHIP/WHEP) and listener serving.
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
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // One peer session over any signaling link: negotiation, channels, media, events, async API.
        .target(name: "RTCSession", dependencies: ["RTC", "RTCSignaling"], swiftSettings: [.swiftLanguageMode(.v6)]),
        // `swift run rtc-example-echo`: two sessions in one process echo a message (README "Using RTC from Swift").
        .executableTarget(name: "rtc-example-echo", dependencies: ["RTC", "RTCSignaling", "RTCSession"],
                          path: "Examples/echo", swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "rtc",
            dependencies: [
                "RTC", "RTCSignaling", "RTCSession",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["link.order"],
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
        .executableTarget(name: "rtc-fuzz", dependencies: ["RTC", "RTCSignaling"]),
        // Shared by the test targets: real peers the tests start (coturn on loopback).
        .target(name: "RTCTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RTCTests", dependencies: ["RTC", "RTCTestSupport"], resources: [.copy("Corpus")]),
        .testTarget(name: "CLITests", dependencies: ["rtc", "RTC", "RTCTestSupport"]),
        .testTarget(name: "RTCSignalingTests", dependencies: ["RTCSignaling", "RTC", "RTCTestSupport"]),
        .testTarget(name: "RTCSessionTests", dependencies: ["RTCSession", "RTCSignaling", "RTC", "RTCTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
