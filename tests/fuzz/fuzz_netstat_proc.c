/* libFuzzer target: the /proc/net/tcp line parser behind `socklab
 * netstat` (lib/obs/netstat.c, sl__netstat_parse_proc): arbitrary text
 * as /proc/net/{tcp,tcp6,udp,udp6}, the rows found printed in every view.
 * The first byte picks the file (its two low bits); the rest is the text,
 * header line first.
 *
 *   make fuzz && build/fuzz/fuzz_netstat_proc -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "obs/netstat_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const protos[] = {"tcp", "tcp6", "udp", "udp6"};
  static FILE *out;

  if (out == NULL && (out = fopen("/dev/null", "w")) == NULL)
    abort();
  if (size < 2) /* fmemopen wants a byte at least */
    return 0;
  sl__netstat_parse_proc(out, protos[data[0] & 3], (const char *)data + 1,
                         size - 1);
  return 0;
}
