#ifndef RTC_COPENSSL_SHIM_H
#define RTC_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>

/* Function-like macros that Swift cannot import. */
static inline long rtc_BIO_set_mem_eof_return(BIO *b, int v) { return BIO_set_mem_eof_return(b, v); }
static inline long rtc_BIO_ctrl_pending(BIO *b) { return (long)BIO_ctrl_pending(b); }
static inline long rtc_DTLSv1_get_timeout(SSL *s, struct timeval *tv) { return DTLSv1_get_timeout(s, tv); }
static inline long rtc_DTLSv1_handle_timeout(SSL *s) { return DTLSv1_handle_timeout(s); }
static inline long rtc_SSL_set_mtu(SSL *s, long mtu) { return SSL_set_mtu(s, mtu); }
static inline long rtc_DTLS_set_link_mtu(SSL *s, long mtu) { return DTLS_set_link_mtu(s, mtu); }
static inline long rtc_SSL_set_options_no_query_mtu(SSL *s) { return (long)SSL_set_options(s, SSL_OP_NO_QUERY_MTU); }
static inline long rtc_SSL_CTX_set_ecdh_auto(SSL_CTX *c) { return SSL_CTX_set_ecdh_auto(c, 1); }
static inline int rtc_MBSTRING_ASC(void) { return MBSTRING_ASC; }
static inline long rtc_SSL_CTX_set_read_ahead(SSL_CTX *c, int yes) { return SSL_CTX_set_read_ahead(c, yes); }

/* DTLS layer helpers (Sources/RTCDTLS). */
static inline EVP_PKEY *rtc_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }
static inline long rtc_SSL_CTX_set_dtls12_only(SSL_CTX *c) {
    return SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) && SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION);
}
static inline void rtc_SSL_CTX_set_dtls_options(SSL_CTX *c) {
    SSL_CTX_set_options(c, SSL_OP_NO_QUERY_MTU | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION
                        | SSL_OP_NO_TICKET);
}
static inline long rtc_SSL_CTX_set1_groups_list(SSL_CTX *c, const char *list) { return SSL_CTX_set1_groups_list(c, list); }
#endif
