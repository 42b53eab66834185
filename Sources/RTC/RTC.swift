// The umbrella module: `import RTC` brings every layer of the stack, as before the split into one
// target per layer (README "Layout"). Each layer imports only the ones below it (Scripts/check-layers).
@_exported import RTCCore
@_exported import RTCCrypto
@_exported import RTCSTUN
@_exported import RTCTURN
@_exported import RTCSDP
@_exported import RTCMDNS
@_exported import RTCVirtualNetwork
@_exported import RTCICE
@_exported import RTCDTLS
@_exported import RTCSCTP
@_exported import RTCDataChannel
@_exported import RTCRTP
@_exported import RTCMedia
@_exported import RTCSRTP
@_exported import RTCPeerConnection
@_exported import RTCMediaIO
