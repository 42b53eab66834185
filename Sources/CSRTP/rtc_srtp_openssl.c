/*
 * AES-ICM-128, AES-GCM-128 and HMAC-SHA1 on OpenSSL's libcrypto (linked statically by RTC) for
 * libsrtp's crypto kernel. The contracts are libsrtp's cipher.h / auth.h:
 * - ICM (RFC 3711 4.1.1): init takes key | 14-byte salt; set_iv gets the 16-byte IV before the
 *   salt is added; counter = IV XOR (salt | 00 00); encrypt/decrypt XOR the keystream in place.
 * - GCM (RFC 7714 8-9): init takes key | 12-byte salt (the salt is applied by libsrtp); set_iv
 *   gets the 12-byte IV; set_aad may be called several times; encrypt leaves the length, get_tag
 *   appends the tag; decrypt gets ciphertext | tag, checks it and drops it from the length.
 * - HMAC-SHA1 (RFC 2104): start, update*, compute(last, tag_len) -> truncated tag.
 * Memory comes from calloc/free: libsrtp is dlopen'ed, so its allocator is not ours to call.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_* on a copied SHA_CTX: HMAC without an allocation per packet */
#include "rtc_srtp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

static const srtp_cipher_type_t aes_icm_128_type, aes_gcm_128_type;
static const srtp_auth_type_t hmac_sha1_type;

const srtp_cipher_type_t *rtc_srtp_openssl_aes_icm_128(void) { return &aes_icm_128_type; }
const srtp_cipher_type_t *rtc_srtp_openssl_aes_gcm_128(void) { return &aes_gcm_128_type; }
const srtp_auth_type_t *rtc_srtp_openssl_hmac_sha1(void) { return &hmac_sha1_type; }

/* ---------------------------------------------------------------- AES-ICM-128 */

typedef struct {
    EVP_CIPHER_CTX *ctx;
    uint8_t salt[16]; /* 14-byte salt, two zero bytes */
} rtc_icm_state;

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c) {
    rtc_icm_state *s = c->state;
    if (s) {
        EVP_CIPHER_CTX_free(s->ctx);
        OPENSSL_cleanse(s, sizeof *s);
        free(s);
    }
    free(c);
    return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_t **out, int key_len, int tag_len) {
    (void)tag_len;
    if (key_len != SRTP_AES_ICM_128_KEY_LEN_WSALT) return srtp_err_status_bad_param;
    srtp_cipher_t *c = calloc(1, sizeof *c);
    rtc_icm_state *s = calloc(1, sizeof *s);
    if (!c || !s || !(s->ctx = EVP_CIPHER_CTX_new())) {
        free(s);
        free(c);
        return srtp_err_status_alloc_fail;
    }
    c->type = &aes_icm_128_type;
    c->state = s;
    c->key_len = key_len;
    c->algorithm = SRTP_AES_ICM_128;
    *out = c;
    return srtp_err_status_ok;
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key) {
    rtc_icm_state *s = state;
    memset(s->salt, 0, sizeof s->salt);
    memcpy(s->salt, key + SRTP_AES_128_KEY_LEN, SRTP_SALT_LEN);
    return EVP_EncryptInit_ex(s->ctx, EVP_aes_128_ctr(), NULL, key, NULL) == 1 ? srtp_err_status_ok
                                                                              : srtp_err_status_init_fail;
}

static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t direction) {
    (void)direction; /* a keystream: the same both ways */
    rtc_icm_state *s = state;
    uint8_t counter[16];
    for (int i = 0; i < 16; i++) counter[i] = iv[i] ^ s->salt[i];
    /* A new IV restarts the keystream at its first block; the key schedule is kept. */
    return EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, counter) == 1 ? srtp_err_status_ok
                                                                     : srtp_err_status_init_fail;
}

static srtp_err_status_t icm_crypt(void *state, uint8_t *buffer, unsigned int *length) {
    rtc_icm_state *s = state;
    int n = 0;
    if (*length > INT32_MAX || EVP_EncryptUpdate(s->ctx, buffer, &n, buffer, (int)*length) != 1
        || (unsigned int)n != *length)
        return srtp_err_status_cipher_fail;
    return srtp_err_status_ok;
}

/* RFC 3711 Appendix B.2: session key and salt, IV 0 (SSRC 0, index 0), zero plaintext. */
static const uint8_t icm_key[SRTP_AES_ICM_128_KEY_LEN_WSALT] = {
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static uint8_t icm_iv[16];
static const uint8_t icm_plain[48];
static const uint8_t icm_keystream[48] = {
    0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
    0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
    0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0};
static const srtp_cipher_test_case_t icm_test = {
    SRTP_AES_ICM_128_KEY_LEN_WSALT, icm_key, icm_iv, sizeof icm_plain, icm_plain, sizeof icm_keystream,
    icm_keystream, 0, NULL, 0, NULL};

static const srtp_cipher_type_t aes_icm_128_type = {
    icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt, icm_set_iv, NULL,
    "AES-128 counter mode (rtc, OpenSSL)", &icm_test, SRTP_AES_ICM_128};

/* ---------------------------------------------------------------- AES-GCM-128 */

typedef struct {
    EVP_CIPHER_CTX *ctx;
    int tag_len;
    int encrypt; /* direction of the last set_iv */
} rtc_gcm_state;

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *c) {
    rtc_gcm_state *s = c->state;
    if (s) {
        EVP_CIPHER_CTX_free(s->ctx);
        free(s);
    }
    free(c);
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_alloc(srtp_cipher_t **out, int key_len, int tag_len) {
    if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT || (tag_len != 16 && tag_len != 8))
        return srtp_err_status_bad_param;
    srtp_cipher_t *c = calloc(1, sizeof *c);
    rtc_gcm_state *s = calloc(1, sizeof *s);
    if (!c || !s || !(s->ctx = EVP_CIPHER_CTX_new())) {
        free(s);
        free(c);
        return srtp_err_status_alloc_fail;
    }
    s->tag_len = tag_len;
    c->type = &aes_gcm_128_type;
    c->state = s;
    c->key_len = key_len;
    c->algorithm = SRTP_AES_GCM_128;
    *out = c;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_init(void *state, const uint8_t *key) {
    rtc_gcm_state *s = state;
    /* The cipher and key now; the 12-byte IV (GCM's default length) per packet. */
    return EVP_CipherInit_ex(s->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 1) == 1 ? srtp_err_status_ok
                                                                                 : srtp_err_status_init_fail;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t direction) {
    rtc_gcm_state *s = state;
    if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt)
        return srtp_err_status_bad_param;
    s->encrypt = direction == srtp_direction_encrypt;
    return EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, s->encrypt) == 1 ? srtp_err_status_ok
                                                                           : srtp_err_status_init_fail;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad, uint32_t length) {
    rtc_gcm_state *s = state;
    int n = 0;
    if (length > INT32_MAX || EVP_CipherUpdate(s->ctx, NULL, &n, aad, (int)length) != 1)
        return srtp_err_status_algo_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buffer, unsigned int *length) {
    rtc_gcm_state *s = state;
    int n = 0;
    if (!s->encrypt || *length > INT32_MAX || EVP_EncryptUpdate(s->ctx, buffer, &n, buffer, (int)*length) != 1
        || (unsigned int)n != *length)
        return srtp_err_status_cipher_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *length) {
    rtc_gcm_state *s = state;
    uint8_t none[16];
    int n = 0;
    if (!s->encrypt || EVP_EncryptFinal_ex(s->ctx, none, &n) != 1
        || EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len, tag) != 1)
        return srtp_err_status_algo_fail;
    *length = (uint32_t)s->tag_len;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buffer, unsigned int *length) {
    rtc_gcm_state *s = state;
    if (s->encrypt || *length < (unsigned int)s->tag_len || *length > INT32_MAX) return srtp_err_status_bad_param;
    int body = (int)*length - s->tag_len, n = 0;
    uint8_t none[16];
    if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len, buffer + body) != 1
        || EVP_DecryptUpdate(s->ctx, buffer, &n, buffer, body) != 1 || n != body)
        return srtp_err_status_cipher_fail;
    if (EVP_DecryptFinal_ex(s->ctx, none, &n) != 1) return srtp_err_status_auth_fail;
    *length = (unsigned int)body;
    return srtp_err_status_ok;
}

/* RFC 7714 16.1.1: key | salt, the IV of SSRC 5501a0b2 / ROC 0 / SEQ f17b, the RTP header as
 * AAD, "Gallia est omnis divisa in partes tres", ciphertext | tag. */
static const uint8_t gcm_key[SRTP_AES_GCM_128_KEY_LEN_WSALT] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    0x0e, 0x0f, 0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f};
static uint8_t gcm_iv[12] = {0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14};
static const uint8_t gcm_aad[12] = {0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2};
static const uint8_t gcm_plain[38] = "Gallia est omnis divisa in partes tres";
static const uint8_t gcm_sealed[38 + 16] = {
    0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e, 0x4b, 0xca, 0xbe, 0x63,
    0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a, 0x51, 0xc7, 0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf,
    0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1, 0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce};
static const srtp_cipher_test_case_t gcm_test = {
    SRTP_AES_GCM_128_KEY_LEN_WSALT, gcm_key, gcm_iv, sizeof gcm_plain, gcm_plain, sizeof gcm_sealed,
    gcm_sealed, sizeof gcm_aad, gcm_aad, 16, NULL};

static const srtp_cipher_type_t aes_gcm_128_type = {
    gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv, gcm_get_tag,
    "AES-128 GCM (rtc, OpenSSL)", &gcm_test, SRTP_AES_GCM_128};

/* ---------------------------------------------------------------- HMAC-SHA1 */

typedef struct {
    SHA_CTX inner, outer; /* after the ipad / opad block of the key (RFC 2104) */
    SHA_CTX running;
} rtc_hmac_state;

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a) {
    if (a->state) OPENSSL_cleanse(a->state, sizeof(rtc_hmac_state));
    free(a->state);
    free(a);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_alloc(srtp_auth_t **out, int key_len, int out_len) {
    if (key_len < 0 || key_len > SHA_DIGEST_LENGTH || out_len < 0 || out_len > SHA_DIGEST_LENGTH)
        return srtp_err_status_bad_param;
    srtp_auth_t *a = calloc(1, sizeof *a);
    rtc_hmac_state *s = calloc(1, sizeof *s);
    if (!a || !s) {
        free(s);
        free(a);
        return srtp_err_status_alloc_fail;
    }
    a->type = &hmac_sha1_type;
    a->state = s;
    a->out_len = out_len;
    a->key_len = key_len;
    a->prefix_len = 0;
    *out = a;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len) {
    rtc_hmac_state *s = state;
    uint8_t ipad[SHA_CBLOCK], opad[SHA_CBLOCK];
    if (key_len < 0 || key_len > SHA_DIGEST_LENGTH) return srtp_err_status_bad_param;
    memset(ipad, 0x36, sizeof ipad);
    memset(opad, 0x5c, sizeof opad);
    for (int i = 0; i < key_len; i++) {
        ipad[i] ^= key[i];
        opad[i] ^= key[i];
    }
    SHA1_Init(&s->inner);
    SHA1_Update(&s->inner, ipad, sizeof ipad);
    SHA1_Init(&s->outer);
    SHA1_Update(&s->outer, opad, sizeof opad);
    s->running = s->inner;
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_start(void *state) {
    rtc_hmac_state *s = state;
    s->running = s->inner;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *message, int length) {
    rtc_hmac_state *s = state;
    if (length < 0) return srtp_err_status_bad_param;
    SHA1_Update(&s->running, message, (size_t)length);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *message, int length, int tag_len, uint8_t *tag) {
    rtc_hmac_state *s = state;
    uint8_t digest[SHA_DIGEST_LENGTH];
    if (length < 0 || tag_len < 0 || tag_len > SHA_DIGEST_LENGTH) return srtp_err_status_bad_param;
    SHA1_Update(&s->running, message, (size_t)length);
    SHA1_Final(digest, &s->running);
    SHA_CTX outer = s->outer;
    SHA1_Update(&outer, digest, sizeof digest);
    SHA1_Final(digest, &outer);
    memcpy(tag, digest, (size_t)tag_len);
    s->running = s->inner;
    return srtp_err_status_ok;
}

/* RFC 2202 section 3, test case 2: key "Jefe", "what do ya want for nothing?". */
static const uint8_t hmac_key[4] = {'J', 'e', 'f', 'e'};
static const uint8_t hmac_data[28] = "what do ya want for nothing?";
static const uint8_t hmac_tag[20] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
                                     0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
static const srtp_auth_test_case_t hmac_test = {
    sizeof hmac_key, hmac_key, sizeof hmac_data, hmac_data, sizeof hmac_tag, hmac_tag, NULL};

static const srtp_auth_type_t hmac_sha1_type = {
    hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
    "HMAC-SHA1 (rtc, OpenSSL)", &hmac_test, SRTP_HMAC_SHA1};
