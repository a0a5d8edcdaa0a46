/* The library's version, for programs linked against another header. */
#include "socklab/version.h"

const char *
sl_version(void)
{
  return SL_VERSION_STRING;
}
