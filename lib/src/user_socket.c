/* Entry point into socklab's own stack for sl_socket().  This build has no
 * stack of its own yet: the stack core and its runtime replace this file,
 * and until then SOCKLAB_STACK=user fails with a message that says so. */
#include <errno.h>

#include "internal.h"

int
sl__user_socket(int domain, int type, int protocol, struct sl__sock **out)
{
  (void)domain;
  (void)type;
  (void)protocol;
  *out = NULL;
  return -ENOSYS;
}
