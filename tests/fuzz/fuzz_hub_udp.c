/* libFuzzer target: the hub's UDP port (lib/hub/hub.c), which in a lab
 * room takes datagrams from anyone on the network.  The input is a
 * sequence of datagrams, each
 *
 *   source (1 byte: one of four senders), time that passes after it
 *   (1 byte, in 10 ms), length (2 bytes, big-endian), the datagram
 *
 * fed to one hub with --loss/--dup/--reorder faults: HELLOs, names, port
 * claims, packets, bundles, garbage, silences long enough for the hub to
 * take a member as gone.  Whatever comes, the hub counts and drops what
 * it cannot use and never crashes.
 *
 *   make fuzz && build/fuzz/fuzz_hub_udp -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sl__hub_opts o;
  static uint8_t buf[SL__HUB_BUNDLE_MAX + 1];
  struct hub *h;

  memset(&o, 0, sizeof o);
  o.seed = 1;
  o.faults.loss = 0.1;
  o.faults.dup = 0.05;
  o.faults.reorder = 0.05;
  o.udp_timeout_ms = 1000;
  if ((h = sl__hub_new(&o)) == NULL)
    abort();
  while (size >= 4) {
    unsigned who = data[0] & 3, wait = data[1];
    size_t n = (size_t)data[2] << 8 | data[3];

    data += 4;
    size -= 4;
    if (n > size)
      n = size;
    memcpy(buf, data, n);
    sl__hub_feed_udp(h, 0x7f000001u + who, (uint16_t)(40000 + who), buf, n,
                     (uint64_t)wait * 10000);
    data += n;
    size -= n;
  }
  sl__hub_free(h);
  return 0;
}
