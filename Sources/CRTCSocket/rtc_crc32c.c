#include "rtc_crc32c.h"
#include <string.h>

/* CRC32c (Castagnoli, RFC 9260 Appendix B) with the SSE4.2 crc32 instruction. usrsctp's own
   routine is table-driven, and Debian builds it at -O0: it took ~10% of the CPU of a bulk
   transfer, the hardware instruction a few hundredths of that. */

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(const uint8_t *p, size_t n) {
    uint64_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = __builtin_ia32_crc32di(crc, word);
        p += 8;
        n -= 8;
    }
    uint32_t c = (uint32_t)crc;
    while (n--) c = __builtin_ia32_crc32qi(c, *p++);
    return ~c;
}

static int have_sse42(void) {
    static int cached = -1;
    if (cached < 0) {
        unsigned a, b, c, d;
        cached = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2) ? 1 : 0;
    }
    return cached;
}
#endif

int rtc_crc32c_hardware(void) {
#if defined(__x86_64__)
    return have_sse42();
#else
    return 0;
#endif
}

uint32_t rtc_crc32c(const void *data, size_t length) {
#if defined(__x86_64__)
    if (have_sse42()) return crc32c_sse42((const uint8_t *)data, length);
#endif
    (void)data;
    (void)length;
    return 0;
}

int rtc_sctp_fill_crc32c_hw(void *packet, size_t length) {
    if (!rtc_crc32c_hardware()) return 0;
    if (length < 12) return 1;
    uint8_t *p = (uint8_t *)packet;
    memset(p + 8, 0, 4);
    /* The checksum goes on the wire in little-endian order (RFC 9260 Appendix B). */
    uint32_t crc = rtc_crc32c(p, length);
    uint8_t le[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    memcpy(p + 8, le, 4);
    return 1;
}
