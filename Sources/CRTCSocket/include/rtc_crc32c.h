#ifndef RTC_CRC32C_H
#define RTC_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when `rtc_crc32c` runs on the CPU's CRC32c instruction (x86-64 SSE4.2), else 0.
int rtc_crc32c_hardware(void);

/// CRC32c of `length` bytes (initial value and final XOR 0xFFFFFFFF); 0 without hardware support.
uint32_t rtc_crc32c(const void *data, size_t length);

/// Writes the SCTP checksum of `packet` (common header at offset 0) with the hardware CRC32c.
/// Returns 0, leaving the packet untouched, when the CPU has no CRC32c instruction.
int rtc_sctp_fill_crc32c_hw(void *packet, size_t length);
#endif
