#ifndef RTC_CSRTP_SHIM_H
#define RTC_CSRTP_SHIM_H
/*
 * libsrtp2's types and constants only. The library itself is opened with dlopen on first use
 * (Sources/RTC/SRTP/SRTPLibrary.swift): Debian builds it on NSS, which a data-channel-only
 * process should not map. No `link` line here, so calling a libsrtp function directly from
 * Swift fails at link time; the function-pointer types below, taken from the header's own
 * declarations, are what the loader casts its dlsym results to, so the signatures are checked.
 */
#include <srtp2/srtp.h>

typedef __typeof__(&srtp_init) rtc_srtp_init_fn;
typedef __typeof__(&srtp_get_version_string) rtc_srtp_get_version_string_fn;
typedef __typeof__(&srtp_create) rtc_srtp_create_fn;
typedef __typeof__(&srtp_dealloc) rtc_srtp_dealloc_fn;
typedef __typeof__(&srtp_protect) rtc_srtp_protect_fn;
typedef __typeof__(&srtp_unprotect) rtc_srtp_unprotect_fn;
typedef __typeof__(&srtp_protect_rtcp) rtc_srtp_protect_rtcp_fn;
typedef __typeof__(&srtp_unprotect_rtcp) rtc_srtp_unprotect_rtcp_fn;
typedef __typeof__(&srtp_crypto_policy_set_rtp_default) rtc_srtp_crypto_policy_set_fn;

/* The trailer room srtp_protect/srtp_protect_rtcp may write past the packet (srtp.h @warning). */
static inline int rtc_srtp_max_trailer_len(void) { return SRTP_MAX_TRAILER_LEN; }
#endif
