#ifndef RTC_CUSRSCTP_SHIM_H
#define RTC_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <usrsctp.h>

/* Small helpers for structs Swift imports awkwardly (packed layout, flexible array members). */

/* Fills the SCTP common header checksum (bytes 8..11) of an outgoing packet with CRC32c. */
static inline void rtc_sctp_fill_crc32c(void *packet, size_t length) {
    if (length < 12) return;
    uint8_t *p = (uint8_t *)packet;
    memset(p + 8, 0, 4);
    uint32_t crc = usrsctp_crc32c(p, length);
    memcpy(p + 8, &crc, 4);
}

/* Builds an AF_CONN address whose sconn_addr is the association handle. */
static inline struct sockaddr_conn rtc_sctp_sconn(uint16_t port, void *handle) {
    struct sockaddr_conn a;
    memset(&a, 0, sizeof a);
    a.sconn_family = AF_CONN;
    a.sconn_port = htons(port);
    a.sconn_addr = handle;
    return a;
}

static inline int rtc_sctp_bind(struct socket *s, uint16_t port, void *handle) {
    struct sockaddr_conn a = rtc_sctp_sconn(port, handle);
    return usrsctp_bind(s, (struct sockaddr *)&a, sizeof a);
}

static inline int rtc_sctp_connect(struct socket *s, uint16_t port, void *handle) {
    struct sockaddr_conn a = rtc_sctp_sconn(port, handle);
    return usrsctp_connect(s, (struct sockaddr *)&a, sizeof a);
}

static inline int rtc_sctp_set_int(struct socket *s, int level, int name, int value) {
    return usrsctp_setsockopt(s, level, name, &value, sizeof value);
}

/* Reads an int socket option; -1 on error. */
static inline int rtc_sctp_get_int(struct socket *s, int level, int name) {
    int value = 0;
    socklen_t len = sizeof value;
    if (usrsctp_getsockopt(s, level, name, &value, &len) != 0) return -1;
    return value;
}

static inline int rtc_sctp_subscribe(struct socket *s, uint16_t type) {
    struct sctp_event e;
    memset(&e, 0, sizeof e);
    e.se_assoc_id = SCTP_ALL_ASSOC;
    e.se_on = 1;
    e.se_type = type;
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e);
}

static inline int rtc_sctp_enable_stream_reset(struct socket *s) {
    struct sctp_assoc_value v;
    memset(&v, 0, sizeof v);
    v.assoc_id = SCTP_ALL_ASSOC;
    v.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &v, sizeof v);
}

static inline int rtc_sctp_set_initmsg(struct socket *s, uint16_t streams) {
    struct sctp_initmsg m;
    memset(&m, 0, sizeof m);
    m.sinit_num_ostreams = streams;
    m.sinit_max_instreams = streams;
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &m, sizeof m);
}

/* Turns path MTU discovery off and fixes the path MTU (endpoint default when assoc is 0). */
static inline int rtc_sctp_set_path_mtu(struct socket *s, sctp_assoc_t assoc, uint32_t mtu) {
    struct sctp_paddrparams p;
    memset(&p, 0, sizeof p);
    p.spp_assoc_id = assoc;
    p.spp_flags = SPP_PMTUD_DISABLE;
    p.spp_pathmtu = mtu;
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, sizeof p);
}

static inline uint32_t rtc_sctp_get_path_mtu(struct socket *s, sctp_assoc_t assoc) {
    struct sctp_paddrparams p;
    memset(&p, 0, sizeof p);
    p.spp_assoc_id = assoc;
    socklen_t len = sizeof p;
    if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, &len) != 0) return 0;
    return p.spp_pathmtu;
}

/* Fills *st with the association's SCTP_STATUS; 0 on success. */
static inline int rtc_sctp_get_status(struct socket *s, struct sctp_status *st) {
    memset(st, 0, sizeof *st);
    socklen_t len = sizeof *st;
    return usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, st, &len);
}

/* The smoothed round-trip time of the primary path in ms, or -1 on error. */
static inline int rtc_sctp_srtt_ms(struct socket *s) {
    struct sctp_status st;
    if (rtc_sctp_get_status(s, &st) != 0) return -1;
    return (int)st.sstat_primary.spinfo_srtt;
}

/* Sets the association's RTO.min in ms (SCTP_RTOINFO; 0 leaves initial and max as they are). */
static inline int rtc_sctp_set_rto_min(struct socket *s, uint32_t ms) {
    struct sctp_rtoinfo r;
    memset(&r, 0, sizeof r);
    r.srto_min = ms;
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RTOINFO, &r, sizeof r);
}

/* The congestion window of the primary path in bytes, or -1 on error. */
static inline int rtc_sctp_cwnd(struct socket *s) {
    struct sctp_status st;
    if (rtc_sctp_get_status(s, &st) != 0) return -1;
    return (int)st.sstat_primary.spinfo_cwnd;
}

/* Resets the given outgoing streams (RFC 6525). Returns 0 or an errno value. */
static inline int rtc_sctp_reset_outgoing(struct socket *s, const uint16_t *ids, uint16_t count) {
    size_t len = sizeof(struct sctp_reset_streams) + count * sizeof(uint16_t);
    struct sctp_reset_streams *r = (struct sctp_reset_streams *)calloc(1, len);
    if (r == NULL) return ENOMEM;
    r->srs_assoc_id = SCTP_ALL_ASSOC;
    r->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    r->srs_number_streams = count;
    memcpy(r->srs_stream_list, ids, count * sizeof(uint16_t));
    int rc = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)len);
    int err = rc == 0 ? 0 : errno;
    free(r);
    return err;
}

/* Sends one piece of a message with sndinfo + prinfo; `eor` marks its last piece (explicit EOR
   mode). Sets *err to errno on failure. */
static inline ssize_t rtc_sctp_sendv(struct socket *s, const void *data, size_t len, uint16_t sid,
                                     uint32_t ppid_host, int unordered, uint16_t pr_policy,
                                     uint32_t pr_value, int eor, int *err) {
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof spa);
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = sid;
    spa.sendv_sndinfo.snd_flags = (eor ? SCTP_EOR : 0) | (unordered ? SCTP_UNORDERED : 0);
    spa.sendv_sndinfo.snd_ppid = htonl(ppid_host);
    if (pr_policy != SCTP_PR_SCTP_NONE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = pr_policy;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    errno = 0;
    ssize_t n = usrsctp_sendv(s, data, len, NULL, 0, &spa, (socklen_t)sizeof spa, SCTP_SENDV_SPA, 0);
    *err = n < 0 ? errno : 0;
    return n;
}

/* Chunks sent but not acknowledged plus chunks waiting to be sent, or -1 on error. */
static inline int rtc_sctp_outstanding_chunks(struct socket *s) {
    struct sctp_status st;
    if (rtc_sctp_get_status(s, &st) != 0) return -1;
    return (int)st.sstat_unackdata + (int)st.sstat_penddata;
}

/* Notification accessors: the buffer comes from usrsctp's receive callback (malloc-aligned). */
static inline uint16_t rtc_sctp_notification_type(const void *n) {
    return ((const union sctp_notification *)n)->sn_header.sn_type;
}
static inline uint16_t rtc_sctp_assoc_change_state(const void *n) {
    return ((const union sctp_notification *)n)->sn_assoc_change.sac_state;
}
static inline uint16_t rtc_sctp_assoc_change_error(const void *n) {
    return ((const union sctp_notification *)n)->sn_assoc_change.sac_error;
}
static inline uint16_t rtc_sctp_assoc_change_outbound(const void *n) {
    return ((const union sctp_notification *)n)->sn_assoc_change.sac_outbound_streams;
}
static inline uint16_t rtc_sctp_assoc_change_inbound(const void *n) {
    return ((const union sctp_notification *)n)->sn_assoc_change.sac_inbound_streams;
}
static inline uint16_t rtc_sctp_stream_reset_flags(const void *n) {
    return ((const union sctp_notification *)n)->sn_strreset_event.strreset_flags;
}
/* Number of stream ids in a stream reset event of `length` bytes. */
static inline size_t rtc_sctp_stream_reset_count(const void *n, size_t length) {
    const struct sctp_stream_reset_event *e = &((const union sctp_notification *)n)->sn_strreset_event;
    size_t total = e->strreset_length < length ? e->strreset_length : length;
    if (total < sizeof(struct sctp_stream_reset_event)) return 0;
    return (total - sizeof(struct sctp_stream_reset_event)) / sizeof(uint16_t);
}
static inline uint16_t rtc_sctp_stream_reset_id(const void *n, size_t i) {
    return ((const union sctp_notification *)n)->sn_strreset_event.strreset_stream_list[i];
}
static inline uint16_t rtc_sctp_send_failed_sid(const void *n) {
    return ((const union sctp_notification *)n)->sn_send_failed_event.ssfe_info.snd_sid;
}
static inline uint32_t rtc_sctp_send_failed_error(const void *n) {
    return ((const union sctp_notification *)n)->sn_send_failed_event.ssfe_error;
}
static inline uint16_t rtc_sctp_send_failed_flags(const void *n) {
    return ((const union sctp_notification *)n)->sn_send_failed_event.ssfe_flags;
}
#endif

