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

/* SL_TRY(expr): evaluate expr once; when it returns a negative value (-1
 * from a BSD-style call), print "file:line: expr: message" to stderr and
 * exit with status 1.  Otherwise the value of expr is the value of
 * SL_TRY, with expr's type:
 *
 *     int fd = SL_TRY(sl_tcp_connect("localhost", "7"));
 *     ssize_t n = SL_TRY(sl_recv(fd, buf, sizeof buf, 0));
 *
 * expr is an integer (int, ssize_t, ...).  Standard C11: _Generic picks
 * the sl_try_* function for expr's type; an unsigned value is never
 * negative and passes through. */
/* (clang-format cannot lay out _Generic.) */
/* clang-format off */
#define SL_TRY(expr)                                                           \
  _Generic((expr),                                                             \
      long: sl_try_long,                                                       \
      long long: sl_try_llong,                                                 \
      unsigned: sl_try_uint,                                                   \
      unsigned long: sl_try_ulong,                                             \
      unsigned long long: sl_try_ullong,                                       \
      default: sl_try_int)((expr), __FILE__, __LINE__, #expr)
/* clang-format on */

/* SL_TRY's work, one function per type: v when it is not negative, else
 * the report and exit(1).  Call SL_TRY, which names the file, the line
 * and the expression. */
int sl_try_int(int v, const char *file, int line, const char *expr);
long sl_try_long(long v, const char *file, int line, const char *expr);
long long sl_try_llong(long long v, const char *file, int line,
                       const char *expr);
unsigned sl_try_uint(unsigned v, const char *file, int line, const char *expr);
unsigned long sl_try_ulong(unsigned long v, const char *file, int line,
                           const char *expr);
unsigned long long sl_try_ullong(unsigned long long v, const char *file,
                                 int line, const char *expr);

#endif
