/* libFuzzer target: the DUMP parser (sl__dump_parse, lib/obs/export.c),
 * which reads what a socklab process answers on its export socket
 * (lib/obs/EXPORT.md), as `socklab netstat` runs it (through
 * sl__netstat_parse_dump).  That answer comes from another process,
 * perhaps a student's broken or hostile one: whatever it says, netstat
 * shows rows or skips lines, never crashes.  The input is the answer;
 * the rows found are printed in every view.
 *
 *   make fuzz && build/fuzz/fuzz_netstat_dump -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "obs/netstat_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *out;

  if (out == NULL && (out = fopen("/dev/null", "w")) == NULL)
    abort();
  if (size < 1) /* fmemopen wants a byte at least */
    return 0;
  sl__netstat_parse_dump(out, (int)getpid(), (const char *)data, size);
  return 0;
}
