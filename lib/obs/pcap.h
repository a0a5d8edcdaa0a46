/* pcap files (the classic libpcap format, microsecond timestamps) of raw
 * IPv4 packets, as tcpdump -r and Wireshark open them. */
#ifndef SOCKLAB_OBS_PCAP_H
#define SOCKLAB_OBS_PCAP_H

#include <stddef.h>
#include <stdint.h>

#define SL__PCAP_LINKTYPE_RAW 101 /* LINKTYPE_RAW: packets begin with IP */

struct sl__pcap;

/* Creates path and writes the file header; NULL with errno on failure. */
struct sl__pcap *sl__pcap_open(const char *path);
/* Appends one packet seen at time_us; 0 or a negative errno. */
int sl__pcap_write(struct sl__pcap *p, uint64_t time_us, const uint8_t *pkt,
                   size_t len);
/* Flushes and closes; 0 or a negative errno (a failed write shows here). */
int sl__pcap_close(struct sl__pcap *p);

#endif
