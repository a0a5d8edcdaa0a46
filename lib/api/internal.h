/* Library internals shared between lib/api files: error recording and the
 * descriptor table that keeps socklab-stack sockets apart from kernel
 * descriptors.  Not installed; students never include it. */
#ifndef SOCKLAB_INTERNAL_H
#define SOCKLAB_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>

#include "runtime/sock.h"
#include "socklab/error.h"
#include "socklab/socket.h"

#define SL__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) ------------------------------------------------ */

/* Records "call fd N: strerror(err)" lazily (formatted only when read),
 * sets errno = err and returns -1.  Cheap enough for EAGAIN loops. */
int sl__err_fd(const char *call, int fd, int err);

/* Records "call ADDR: strerror(err)" for an address argument. */
int sl__err_addr(const char *call, const struct sockaddr *sa, int err);

/* Records "<formatted>: strerror(err)"; sets errno; returns -1. */
int sl__err_sys(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a message with no strerror suffix, of the given kind. */
int sl__err_msg(enum sl_error_kind kind, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a getaddrinfo failure for host:port; sets errno as error.h says. */
int sl__err_gai(int gai, const char *host, const char *port);

/* ---- user-stack sockets behind real descriptor numbers (fdtab.c) ------ */

/* Gives sock a descriptor number of its own: a real descriptor (a memfd
 * named "socklab-socket") reserved so the kernel cannot hand the same
 * number to anything else while the socket lives.  Returns the fd or a
 * negative errno. */
int sl__fd_attach(struct sl__sock *sock);

/* The live socklab socket behind fd with a reference taken, or NULL for
 * any descriptor that is not one (kernel descriptors, closed numbers).
 * Drop the reference with sl__sock_put. */
struct sl__sock *sl__fd_get(int fd);
void sl__sock_put(struct sl__sock *sock);

/* Removes fd from the table and closes the reserved descriptor; the socket
 * is closed through ops->close when its last reference goes. */
int sl__fd_detach(int fd);

/* A kernel call just returned descriptor fd.  If the table still thinks fd
 * is a socklab socket, the program closed it with close(2) instead of
 * sl_close(); forget the stale entry (and say so on stderr) so the two can
 * never be confused. */
void sl__fd_forget_stale(int fd);

/* Socket implementations call this whenever readiness may have changed, so
 * threads blocked in sl_poll look again (the runtime through the hook
 * sl__user_set_notify, which api.c sets to it). */
void sl__fd_notify(void);

/* sl_poll over any mix of descriptors (fdtab.c). */
int sl__poll_mixed(struct pollfd *fds, nfds_t nfds, int timeout_ms);

/* Number of live socklab sockets in the table (fdtab.c). */
int sl__fd_live(void);
#endif
