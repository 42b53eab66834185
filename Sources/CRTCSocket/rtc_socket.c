#define _GNU_SOURCE
#include "rtc_socket.h"
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

/* Batched datagram I/O: recvmmsg/sendmmsg need _GNU_SOURCE, which Swift's Glibc module lacks. */

enum { RTC_MAX_BATCH = 64 };

int rtc_udp_socket(int family) {
    return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int rtc_udp_enable_gro(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on);
}

int rtc_recv_batch(int fd, rtc_datagram *slots, int n) {
    struct mmsghdr hdrs[RTC_MAX_BATCH];
    struct iovec iov[RTC_MAX_BATCH];
    /* Room for one UDP_GRO cmsg (an int) per message. */
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control[RTC_MAX_BATCH];
    if (n > RTC_MAX_BATCH) n = RTC_MAX_BATCH;
    memset(hdrs, 0, sizeof(struct mmsghdr) * (size_t)n);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = slots[i].buf;
        iov[i].iov_len = slots[i].cap;
        hdrs[i].msg_hdr.msg_iov = &iov[i];
        hdrs[i].msg_hdr.msg_iovlen = 1;
        hdrs[i].msg_hdr.msg_name = &slots[i].addr;
        hdrs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        hdrs[i].msg_hdr.msg_control = control[i].buf;
        hdrs[i].msg_hdr.msg_controllen = sizeof control[i].buf;
    }
    int got = recvmmsg(fd, hdrs, (unsigned)n, MSG_DONTWAIT, NULL);
    for (int i = 0; i < got; i++) {
        slots[i].len = hdrs[i].msg_len;
        slots[i].addrlen = hdrs[i].msg_hdr.msg_namelen;
        slots[i].segment = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&hdrs[i].msg_hdr); c; c = CMSG_NXTHDR(&hdrs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof size);
                slots[i].segment = size > 0 ? (size_t)size : 0;
            }
        }
    }
    return got;
}

/* Largest UDP payload of one GSO send (IPv4: 65535 - 20 - 8) and most segments per send
   (UDP_MAX_SEGMENTS is 64 on older kernels). */
enum { RTC_GSO_MAX_BYTES = 65507, RTC_GSO_MAX_SEGMENTS = 64 };

static int same_address(const rtc_datagram *a, const rtc_datagram *b) {
    return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

int rtc_send_batch_gso(int fd, const rtc_datagram *slots, int n, int *gso) {
    if (!*gso) return rtc_send_batch(fd, slots, n);
    if (n > RTC_MAX_BATCH) n = RTC_MAX_BATCH;
    struct mmsghdr hdrs[RTC_MAX_BATCH];
    struct iovec iov[RTC_MAX_BATCH];
    union { char buf[CMSG_SPACE(sizeof(uint16_t))]; struct cmsghdr align; } control[RTC_MAX_BATCH];
    int first[RTC_MAX_BATCH + 1];
    int groups = 0;
    memset(hdrs, 0, sizeof(struct mmsghdr) * (size_t)n);
    /* Runs of datagrams to one address, all of the first one's size except a shorter last one,
       leave as one message with UDP_SEGMENT: the kernel cuts it into datagrams (GSO), so the
       per-datagram cost of the socket layer, routing and netfilter is paid once per run. */
    for (int i = 0; i < n;) {
        int j = i + 1;
        size_t seg = slots[i].len, total = seg;
        if (seg > 0) {
            while (j < n && j - i < RTC_GSO_MAX_SEGMENTS && same_address(&slots[i], &slots[j])
                   && slots[j].len > 0 && slots[j].len <= seg && total + slots[j].len <= RTC_GSO_MAX_BYTES) {
                total += slots[j].len;
                j++;
                if (slots[j - 1].len < seg) break; /* a shorter datagram ends the run */
            }
        }
        for (int k = i; k < j; k++) {
            iov[k].iov_base = slots[k].buf;
            iov[k].iov_len = slots[k].len;
        }
        struct msghdr *m = &hdrs[groups].msg_hdr;
        m->msg_iov = &iov[i];
        m->msg_iovlen = (size_t)(j - i);
        m->msg_name = (void *)&slots[i].addr;
        m->msg_namelen = slots[i].addrlen;
        if (j - i > 1) {
            m->msg_control = control[groups].buf;
            m->msg_controllen = sizeof control[groups].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(m);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t s16 = (uint16_t)seg;
            memcpy(CMSG_DATA(c), &s16, sizeof s16);
        }
        first[groups++] = i;
        i = j;
    }
    first[groups] = n;
    int sent = sendmmsg(fd, hdrs, (unsigned)groups, MSG_DONTWAIT);
    if (sent < 0) {
        /* No GSO on this socket or route (EIO: device without checksum offload; EINVAL or
           ENOPROTOOPT: old kernel): plain datagrams from now on. */
        if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP) {
            *gso = 0;
            return rtc_send_batch(fd, slots, n);
        }
        return -1;
    }
    return first[sent];
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
