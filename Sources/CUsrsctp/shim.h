#ifndef RTC_CUSRSCTP_SHIM_H
#define RTC_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <usrsctp.h>
#endif
