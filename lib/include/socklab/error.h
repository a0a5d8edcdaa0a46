/* Readable errors.  Every socklab call that fails leaves a message that
 * names the failing call and its cause ("connect 127.0.0.1:9: Connection
 * refused"), kept per thread, next to errno.  SL_TRY turns any failure into
 * "file:line: message" on stderr and exit status 1: the beginner flavour. */
#ifndef SOCKLAB_ERROR_H
#define SOCKLAB_ERROR_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Where a failure came from. */
enum sl_error_kind {
  SL_ERR_NONE = 0,
  SL_ERR_SYSTEM,  /* a system call failed; code is its errno */
  SL_ERR_RESOLVE, /* getaddrinfo failed; code is its EAI_* value */
  SL_ERR_USAGE,   /* a bad argument or configuration; code is an errno */
  SL_ERR_PROTOCOL /* the peer broke the expected framing; code is an errno */
};

/* The last failure of a socklab call in this thread.  `code` is an errno
 * value for every kind except SL_ERR_RESOLVE, where it is an EAI_* value
 * and errno was set to ENOENT (host not found), EAGAIN (try again later)
 * or EINVAL (bad arguments): resolver failures are never mistaken for
 * system-call failures because `kind` tells them apart. */
struct sl_error {
  enum sl_error_kind kind;
  int code;
  char msg[320]; /* "call target: cause", no trailing newline */
};

/* The last error of this thread; never NULL.  Only meaningful right after a
 * socklab call returned failure. */
const struct sl_error *sl_last_error(void);

/* The last error's message, or strerror(errno) when the last socklab
 * failure in this thread is not the one errno describes (for example after
 * a plain libc call failed). */
const char *sl_strerror(void);

/* Reports a failed expression and exits with status 1.  Used by SL_TRY. */
void sl__die(const char *file, int line, const char *expr)
    __attribute__((noreturn));

/* SL_TRY(expr): evaluate expr; when it returns a negative value (-1 from
 * a BSD-style call), print "file:line: expr: message" to stderr and exit
 * with status 1.  Otherwise the value of expr is the value of SL_TRY:
 *
 *     int fd = SL_TRY(sl_tcp_connect("localhost", "7"));
 */
#define SL_TRY(expr)                                                           \
  __extension__({                                                              \
    __typeof__(expr) sl_try_v_ = (expr);                                       \
    if (sl_try_v_ < 0)                                                         \
      sl__die(__FILE__, __LINE__, #expr);                                      \
    sl_try_v_;                                                                 \
  })

#endif
