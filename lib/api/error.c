/* Per-thread error messages: who failed, on what, and why.  BSD mirror
 * calls record their failure cheaply (call name, fd or address, errno) and
 * the text is only formatted when somebody asks for it. */
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "api/internal.h"
#include "socklab/net.h"

/* What the last failure recorded; formatted into err.msg on demand. */
struct err_state {
  struct sl_error err;          /* what sl_last_error() hands out */
  int formatted;                /* err.msg is up to date */
  int errno_value;              /* errno as this failure set it */
  const char *call;             /* lazy form: "connect" */
  int fd;                       /* lazy form: the descriptor, or -1 */
  struct sockaddr_storage addr; /* lazy form: the address, if addr_set */
  int addr_set;
};

static _Thread_local struct err_state tls_err;

static int
record_lazy(const char *call, int fd, const struct sockaddr *sa, int err)
{
  struct err_state *st = &tls_err;

  st->err.kind = SL_ERR_SYSTEM;
  st->err.code = err;
  st->formatted = 0;
  st->errno_value = err;
  st->call = call;
  st->fd = fd;
  st->addr_set = 0;
  if (sa != NULL) {
    size_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                           : sizeof(struct sockaddr_in);
    memcpy(&st->addr, sa, len);
    st->addr_set = 1;
  }
  errno = err;
  return -1;
}

int
sl__err_fd(const char *call, int fd, int err)
{
  return record_lazy(call, fd, NULL, err);
}

int
sl__err_addr(const char *call, const struct sockaddr *sa, int err)
{
  if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
    return record_lazy(call, -1, NULL, err);
  return record_lazy(call, -1, sa, err);
}

static void
record_text(enum sl_error_kind kind, int code, int errno_value,
            const char *suffix, const char *fmt, va_list ap)
{
  struct err_state *st = &tls_err;
  size_t used;

  st->err.kind = kind;
  st->err.code = code;
  st->errno_value = errno_value;
  st->formatted = 1;
  vsnprintf(st->err.msg, sizeof st->err.msg, fmt, ap);
  used = strlen(st->err.msg);
  if (suffix != NULL && used < sizeof st->err.msg)
    snprintf(st->err.msg + used, sizeof st->err.msg - used, ": %s", suffix);
  errno = errno_value;
}

int
sl__err_sys(int err, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  record_text(SL_ERR_SYSTEM, err, err, strerror(err), fmt, ap);
  va_end(ap);
  return -1;
}

int
sl__err_msg(enum sl_error_kind kind, int err, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  record_text(kind, err, err, NULL, fmt, ap);
  va_end(ap);
  return -1;
}

/* The errno a resolver failure sets, so that code written for errno alone
 * still gets something sensible (error.h documents the mapping). */
static int
gai_errno(int gai)
{
  switch (gai) {
  case EAI_SYSTEM:
    return errno;
  case EAI_AGAIN:
    return EAGAIN;
  case EAI_MEMORY:
    return ENOMEM;
  case EAI_BADFLAGS:
  case EAI_FAMILY:
  case EAI_SOCKTYPE:
  case EAI_SERVICE:
    return EINVAL;
  default:
    return ENOENT;
  }
}

static void
record_gai(int gai, int errno_value, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  record_text(SL_ERR_RESOLVE, gai, errno_value,
              gai == EAI_SYSTEM ? strerror(errno_value) : gai_strerror(gai),
              fmt, ap);
  va_end(ap);
}

int
sl__err_gai(int gai, const char *host, const char *port)
{
  int e = gai_errno(gai);

  if (host == NULL || host[0] == '\0')
    record_gai(gai, e, "getaddrinfo port %s", port ? port : "?");
  else if (gai == EAI_SERVICE)
    record_gai(gai, e, "getaddrinfo %s port %s", host, port ? port : "?");
  else
    record_gai(gai, e, "getaddrinfo %s", host);
  return -1;
}

static void
format_lazy(struct err_state *st)
{
  char addr[SL_ADDRSTRLEN];
  const char *why = strerror(st->errno_value);

  if (st->addr_set)
    snprintf(st->err.msg, sizeof st->err.msg, "%s %s: %s", st->call,
             sl_addr_format((struct sockaddr *)&st->addr, addr, sizeof addr),
             why);
  else if (st->fd >= 0)
    snprintf(st->err.msg, sizeof st->err.msg, "%s fd %d: %s", st->call, st->fd,
             why);
  else
    snprintf(st->err.msg, sizeof st->err.msg, "%s: %s", st->call, why);
  st->formatted = 1;
}

const struct sl_error *
sl_last_error(void)
{
  struct err_state *st = &tls_err;

  if (st->err.kind == SL_ERR_NONE)
    snprintf(st->err.msg, sizeof st->err.msg, "no socklab error recorded");
  else if (!st->formatted)
    format_lazy(st);
  return &st->err;
}

const char *
sl_strerror(void)
{
  int e = errno;
  const struct sl_error *err = sl_last_error();

  if (err->kind != SL_ERR_NONE && tls_err.errno_value == e)
    return err->msg;
  return strerror(e);
}

/* Reports a failed SL_TRY and exits with status 1. */
static _Noreturn void
die(const char *file, int line, const char *expr)
{
  const char *msg = sl_strerror();

  fflush(stdout);
  fprintf(stderr, "%s:%d: %s: %s\n", file, line, expr, msg);
  exit(1);
}

int
sl_try_int(int v, const char *file, int line, const char *expr)
{
  if (v < 0)
    die(file, line, expr);
  return v;
}

long
sl_try_long(long v, const char *file, int line, const char *expr)
{
  if (v < 0)
    die(file, line, expr);
  return v;
}

long long
sl_try_llong(long long v, const char *file, int line, const char *expr)
{
  if (v < 0)
    die(file, line, expr);
  return v;
}

/* Unsigned values are never negative: SL_TRY has nothing to check. */
unsigned
sl_try_uint(unsigned v, const char *file, int line, const char *expr)
{
  (void)file, (void)line, (void)expr;
  return v;
}

unsigned long
sl_try_ulong(unsigned long v, const char *file, int line, const char *expr)
{
  (void)file, (void)line, (void)expr;
  return v;
}

unsigned long long
sl_try_ullong(unsigned long long v, const char *file, int line,
              const char *expr)
{
  (void)file, (void)line, (void)expr;
  return v;
}
