#ifndef RTC_SOCKET_H
#define RTC_SOCKET_H
#include <stddef.h>
#include <sys/socket.h>

/// One datagram slot for batched I/O: `buf` holds `cap` bytes, `len` the datagram's size.
typedef struct {
    void *buf;
    size_t cap;
    size_t len;
    struct sockaddr_storage addr;
    socklen_t addrlen;
} rtc_datagram;

/// A non-blocking, close-on-exec UDP socket of `family` (AF_INET or AF_INET6); -1 with errno.
int rtc_udp_socket(int family);

/// Receives up to `n` datagrams with one recvmmsg(2); returns the count, or -1 with errno.
int rtc_recv_batch(int fd, rtc_datagram *slots, int n);

/// Sends `n` datagrams with sendmmsg(2); returns how many went out, or -1 with errno.
int rtc_send_batch(int fd, const rtc_datagram *slots, int n);
#endif
