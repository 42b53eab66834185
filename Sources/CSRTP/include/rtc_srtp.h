#ifndef RTC_CSRTP_H
#define RTC_CSRTP_H
/*
 * libsrtp2 for Sources/RTCSRTP. The library itself is opened with dlopen on first use
 * (SRTPLibrary.swift): Debian builds it on NSS, which a data-channel-only process should not
 * map. Nothing here links it, so calling a libsrtp function directly from Swift fails at link
 * time; the function-pointer types below, taken from the header's own declarations, are what
 * the loader casts its dlsym results to, so the signatures are checked by the compiler.
 */
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>
#include <srtp2/auth.h>

typedef __typeof__(&srtp_init) rtc_srtp_init_fn;
typedef __typeof__(&srtp_get_version_string) rtc_srtp_get_version_string_fn;
typedef __typeof__(&srtp_create) rtc_srtp_create_fn;
typedef __typeof__(&srtp_dealloc) rtc_srtp_dealloc_fn;
typedef __typeof__(&srtp_protect) rtc_srtp_protect_fn;
typedef __typeof__(&srtp_unprotect) rtc_srtp_unprotect_fn;
typedef __typeof__(&srtp_protect_rtcp) rtc_srtp_protect_rtcp_fn;
typedef __typeof__(&srtp_unprotect_rtcp) rtc_srtp_unprotect_rtcp_fn;
typedef __typeof__(&srtp_crypto_policy_set_rtp_default) rtc_srtp_crypto_policy_set_fn;
typedef __typeof__(&srtp_replace_cipher_type) rtc_srtp_replace_cipher_type_fn;
typedef __typeof__(&srtp_replace_auth_type) rtc_srtp_replace_auth_type_fn;

/* The trailer room srtp_protect/srtp_protect_rtcp may write past the packet (srtp.h @warning). */
static inline int rtc_srtp_max_trailer_len(void) { return SRTP_MAX_TRAILER_LEN; }

/*
 * OpenSSL implementations of the transforms our profiles use, for srtp_replace_cipher_type /
 * srtp_replace_auth_type (cipher.h, auth.h): Debian's NSS build runs AES-CM + HMAC-SHA1 at about
 * 7 us per 1,200-byte packet and AES-GCM at about 1.7 us. libsrtp runs its own known-answer
 * tests on a replacement before taking it, besides ours (RFC 3711 B.2, RFC 7714 16.1.1, RFC 2202).
 */
/* Static tables: libsrtp keeps these pointers for the life of the process. */
const srtp_cipher_type_t *rtc_srtp_openssl_aes_icm_128(void); /* SRTP_AES_ICM_128: AES-CM and the KDF */
const srtp_cipher_type_t *rtc_srtp_openssl_aes_gcm_128(void); /* SRTP_AES_GCM_128 */
const srtp_auth_type_t *rtc_srtp_openssl_hmac_sha1(void);     /* SRTP_HMAC_SHA1 */
#endif
