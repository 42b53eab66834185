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
    /// On receive with UDP_GRO: the size of each datagram coalesced into `buf` (the last may be
    /// shorter); 0 when `buf` holds one datagram.
    size_t segment;
} rtc_datagram;

/// A non-blocking, close-on-exec UDP socket of `family` (AF_INET or AF_INET6); -1 with errno.
int rtc_udp_socket(int family);

/// Receives up to `n` datagrams with one recvmmsg(2); returns the count, or -1 with errno.
int rtc_recv_batch(int fd, rtc_datagram *slots, int n);

/// Sends `n` datagrams with sendmmsg(2); returns how many went out, or -1 with errno.
int rtc_send_batch(int fd, const rtc_datagram *slots, int n);

/// Asks the kernel to coalesce datagrams of one flow on receive (UDP_GRO); 0 on success.
int rtc_udp_enable_gro(int fd);

/// Like `rtc_send_batch`, but runs of equal-size datagrams to one address go as one GSO message
/// (UDP_SEGMENT) while `*gso` is non-zero; clears `*gso` and falls back when the kernel refuses.
/// Returns how many datagrams (not messages) went out, or -1 with errno.
int rtc_send_batch_gso(int fd, const rtc_datagram *slots, int n, int *gso);
#endif
