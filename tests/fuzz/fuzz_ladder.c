/* libFuzzer target: the trace reader behind `socklab ladder`
 * (lib/obs/ladder.c): its line parser and its connection and ladder
 * builder, fed arbitrary bytes as one trace or as several traces merged
 * by time, drawn as text and as SVG.  A trace file may come from anywhere
 * (a student's program writes it); whatever it holds, the ladder prints a
 * diagram or a message, never crashes.
 *
 * The input: [1 byte options][traces], the traces cut at each line
 * "--\n" (at most 4).  Option bits 0-2: the connection drawn, from 1;
 * bit 3: absolute sequence numbers; bit 4: colour; bit 5: SVG (to
 * /dev/null) instead of text.  The diagram goes to /dev/null too.
 *
 *   make fuzz && build/fuzz/fuzz_ladder -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/ladder.h"

#define MAX_TRACES 4

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  /* The diagrams: libFuzzer reports on stderr. */
  if (freopen("/dev/null", "w", stdout) == NULL)
    abort();
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[MAX_TRACES] = {"trace0", "trace1", "trace2",
                                                "trace3"};
  static char empty[] = "\n";
  FILE *files[MAX_TRACES];
  char *copy;
  uint8_t opt;
  int n = 0;

  if (size < 1)
    return 0;
  opt = data[0];
  /* fmemopen reads a copy: the traces end where their text does. */
  copy = malloc(size);
  if (copy == NULL)
    return 0;
  memcpy(copy, data + 1, size - 1);
  for (char *p = copy, *end = copy + size - 1; n < MAX_TRACES;) {
    char *cut =
        n < MAX_TRACES - 1 ? memmem(p, (size_t)(end - p), "--\n", 3) : NULL;
    size_t len = cut != NULL ? (size_t)(cut - p) : (size_t)(end - p);
    /* fmemopen refuses 0 bytes: an empty trace is a single newline. */
    files[n] = len > 0 ? fmemopen(p, len, "r") : fmemopen(empty, 1, "r");
    if (files[n] == NULL)
      break;
    n++;
    if (cut == NULL)
      break;
    p = cut + 3;
  }
  if (n > 0)
    sl__ladder_streams(files, names, n, (opt & 7) + 1, (opt >> 3) & 1,
                       (opt >> 4) & 1, (opt & 32) ? "/dev/null" : NULL);
  for (int i = 0; i < n; i++)
    fclose(files[i]);
  free(copy);
  return 0;
}
