/* libFuzzer target: the netlink message walk behind `socklab netstat`
 * (lib/obs/netstat.c, sl__netstat_parse_netlink): arbitrary bytes as one
 * recv(2) of NETLINK_SOCK_DIAG answers, read for the sockets and for
 * their tcp_info, the rows found printed in every view.  The first byte
 * picks the family (bit 0: AF_INET6) and the protocol (bit 1: UDP); the
 * rest is the buffer.
 *
 *   make fuzz && build/fuzz/fuzz_netstat_netlink -max_total_time=60 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "obs/netstat_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *out;

  if (out == NULL && (out = fopen("/dev/null", "w")) == NULL)
    abort();
  if (size < 1)
    return 0;
  sl__netstat_parse_netlink(out, (data[0] & 1) ? AF_INET6 : AF_INET,
                            (data[0] & 2) ? IPPROTO_UDP : IPPROTO_TCP, data + 1,
                            size - 1);
  return 0;
}
