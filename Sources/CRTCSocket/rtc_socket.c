#define _GNU_SOURCE
#include "rtc_socket.h"
#include <string.h>

/* Batched datagram I/O: recvmmsg/sendmmsg need _GNU_SOURCE, which Swift's Glibc module lacks. */

enum { RTC_MAX_BATCH = 64 };

int rtc_udp_socket(int family) {
    return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int rtc_recv_batch(int fd, rtc_datagram *slots, int n) {
    struct mmsghdr hdrs[RTC_MAX_BATCH];
    struct iovec iov[RTC_MAX_BATCH];
    if (n > RTC_MAX_BATCH) n = RTC_MAX_BATCH;
    memset(hdrs, 0, sizeof(struct mmsghdr) * (size_t)n);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = slots[i].buf;
        iov[i].iov_len = slots[i].cap;
        hdrs[i].msg_hdr.msg_iov = &iov[i];
        hdrs[i].msg_hdr.msg_iovlen = 1;
        hdrs[i].msg_hdr.msg_name = &slots[i].addr;
        hdrs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    }
    int got = recvmmsg(fd, hdrs, (unsigned)n, MSG_DONTWAIT, NULL);
    for (int i = 0; i < got; i++) {
        slots[i].len = hdrs[i].msg_len;
        slots[i].addrlen = hdrs[i].msg_hdr.msg_namelen;
    }
    return got;
}

int rtc_send_batch(int fd, const rtc_datagram *slots, int n) {
    struct mmsghdr hdrs[RTC_MAX_BATCH];
    struct iovec iov[RTC_MAX_BATCH];
    if (n > RTC_MAX_BATCH) n = RTC_MAX_BATCH;
    memset(hdrs, 0, sizeof(struct mmsghdr) * (size_t)n);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = slots[i].buf;
        iov[i].iov_len = slots[i].len;
        hdrs[i].msg_hdr.msg_iov = &iov[i];
        hdrs[i].msg_hdr.msg_iovlen = 1;
        hdrs[i].msg_hdr.msg_name = (void *)&slots[i].addr;
        hdrs[i].msg_hdr.msg_namelen = slots[i].addrlen;
    }
    return sendmmsg(fd, hdrs, (unsigned)n, MSG_DONTWAIT);
}
