#ifndef RTC_CSRTP_SHIM_H
#define RTC_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
