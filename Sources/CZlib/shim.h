#ifndef RTC_CZLIB_SHIM_H
#define RTC_CZLIB_SHIM_H
#include <zlib.h>
static inline int rtc_deflateInit2(z_streamp s, int level, int windowBits) {
    return deflateInit2(s, level, Z_DEFLATED, windowBits, 9, Z_DEFAULT_STRATEGY);
}
static inline int rtc_inflateInit2(z_streamp s, int windowBits) { return inflateInit2(s, windowBits); }
#endif
