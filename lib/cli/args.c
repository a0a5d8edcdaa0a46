/* Option values shared by the subcommands: probabilities ("0.1", "10%"),
 * bounded numbers and byte counts with K/M/G suffixes. */
#include <stdlib.h>

#include "cli.h"

int
cli_parse_prob(const char *s, double *out)
{
  char *end;
  double v = strtod(s, &end);

  if (end == s)
    return -1;
  if (*end == '%') {
    v /= 100;
    end++;
  }
  if (*end != '\0' || !(v >= 0 && v <= 1))
    return -1;
  *out = v;
  return 0;
}

int
cli_parse_number(const char *s, double lo, double hi, double *out)
{
  char *end;
  double v = strtod(s, &end);

  if (end == s || *end != '\0' || !(v >= lo && v <= hi))
    return -1;
  *out = v;
  return 0;
}

int
cli_parse_bytes(const char *s, uint64_t *out)
{
  char *end;
  double v = strtod(s, &end);
  double mult = 1;

  if (end == s || v < 0)
    return -1;
  switch (*end) {
  case 'k':
  case 'K':
    mult = 1024;
    end++;
    break;
  case 'm':
  case 'M':
    mult = 1024 * 1024;
    end++;
    break;
  case 'g':
  case 'G':
    mult = 1024.0 * 1024 * 1024;
    end++;
    break;
  default:
    break;
  }
  if (*end != '\0' || v * mult > 1e15)
    return -1;
  *out = (uint64_t)(v * mult);
  return 0;
}
