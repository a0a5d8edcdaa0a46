/* socklab's packetdrill adapter, internals shared by pd_host.c (the
 * instance, its virtual clock and the packet queue) and pd_socket.c (the
 * BSD socket calls).  One stack host, one mutex around every call into
 * it, one condition variable that every change of the stack broadcasts.
 *
 * Flags (packetdrill's --so_flags; words separated by spaces or commas,
 * an optional leading "--" on each):
 *   local_ip=A.B.C.D      the stack's address (default 192.168.0.1,
 *                         packetdrill's default local IPv4 address)
 *   remote_ip=A.B.C.D     the peer's address (default 192.0.2.1), for
 *                         messages only: the stack answers any address
 *   mtu=N                 link MTU (default 1500)
 *   seed=N                ISN and port seed (default 1)
 *   receive_wait_ms=N     how long netdev_receive waits, in real time,
 *                         for another thread's call to send something
 *                         when the stack has neither a packet nor a timer,
 *                         before it reports that nothing will come
 *                         (default 1000)
 *   verbose               print each TCP state change and each dropped
 *                         packet on stderr
 * A word that is none of these is ignored with a warning on stderr; a
 * known flag with a bad value ends the run (see pd_host.c). */
#ifndef SOCKLAB_PACKETDRILL_PD_H
#define SOCKLAB_PACKETDRILL_PD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "packetdrill/packetdrill_if.h"
#include "core/sockopt.h"
#include "core/stack.h"

/* Descriptors are indexes into a flat table; open() gives small numbers. */
#define SL__PD_MAX_FD 4096
/* Packets the stack may have sent and packetdrill not yet read. */
#define SL__PD_MAX_QUEUED 10000
/* Virtual time starts here, in microseconds, so ISNs are not all at 0. */
#define SL__PD_START_US 1000000ull

/* One packet the stack sent, waiting for netdev_receive. */
struct sl__pd_pkt {
  struct sl__pd_pkt *next;
  uint64_t time_us; /* virtual time it left the stack */
  size_t len;
  uint8_t bytes[];
};

/* One socket: a real descriptor (of /dev/null) standing for it. */
struct sl__pd_sock {
  int fd;                   /* the descriptor packetdrill knows */
  int type;                 /* SOCK_STREAM or SOCK_DGRAM */
  struct sl__tcb *tcb;      /* TCP: the connection, or NULL */
  struct sl__udp_pcb *udp;  /* UDP: the socket, or NULL */
  int nonblock;             /* O_NONBLOCK */
  int closed;               /* close() ran while a thread was waiting */
  unsigned waiters;         /* threads asleep in a call on this socket */
  struct sl__sockopts opts; /* the runtime's table: lib/core/sockopt.c */
};

struct sl__pd {
  pthread_mutex_t mu;     /* serializes everything below and the core */
  pthread_cond_t cond;    /* broadcast whenever the stack may have changed */
  pthread_cond_t settled; /* the last woken waiter is running again */
  struct sl__host *host;
  uint32_t local_ip, remote_ip; /* host order */
  uint64_t now_us;              /* the virtual clock */
  unsigned receive_wait_ms;
  int verbose;
  struct sl__pd_pkt *out_head, *out_tail; /* packets the stack sent */
  size_t out_len;
  uint64_t out_dropped; /* sent while the queue was full */
  int receive_failing;  /* netdev_receive said nothing more will come */
  int changed;          /* the stack changed since the last broadcast */
  uint64_t wake_at_us;  /* a poll() times out then: wake the waiters */
  int closing;          /* free() has begun: waiters must leave */
  unsigned waiters;     /* threads asleep on cond */
  uint64_t wake_gen;    /* how many times cond has been broadcast */
  unsigned owed;        /* waiters woken and not yet running again */
  unsigned settling;    /* threads waiting for owed to reach 0 */
  struct sl__pd_sock *fds[SL__PD_MAX_FD];
};

/* ---- pd_host.c ------------------------------------------------------- */

/* Creates an instance from the flags string (NULL = defaults).  0, or a
 * negative errno with a message on stderr naming the flag whose value is
 * bad. */
int sl__pd_new(const char *flags, struct sl__pd **out);
void sl__pd_free(void *userdata);

/* Takes the mutex and runs the stack's timers up to the current virtual
 * time, as every call into the core must (stack.h: "drivers poll before
 * calling them"). */
void sl__pd_lock(struct sl__pd *pd);
/* Wakes every waiter (the stack may have changed) and drops the mutex.
 * A thread whose socket call slept leaves the virtual time it returned
 * at for its own next reading of the clock (sl__pd_gettimeofday). */
void sl__pd_unlock(struct sl__pd *pd);
/* Returns once every waiter woken by a change has run again and looked
 * at its condition (it may have gone back to sleep): the virtual clock
 * must not move before, or a call the change completed would return
 * later in virtual time than the change.  Called with the mutex held;
 * releases it while it waits. */
void sl__pd_settle(struct sl__pd *pd);
/* Moves the virtual clock to target_us, firing every timer due on the way
 * at its own deadline and settling (above) before each step.  Called
 * with the mutex held. */
void sl__pd_advance(struct sl__pd *pd, uint64_t target_us);

/* The socket behind fd, or NULL. */
struct sl__pd_sock *sl__pd_sock_get(struct sl__pd *pd, int fd);
/* A new socket on a fresh /dev/null descriptor, in the table.  NULL with
 * *err set to a negative errno when none can be had. */
struct sl__pd_sock *sl__pd_sock_new(struct sl__pd *pd, int type, int *err);
/* Takes s out of the table and closes its descriptor; frees it unless a
 * thread is still asleep on it (that thread frees it on waking). */
void sl__pd_sock_release(struct sl__pd *pd, struct sl__pd_sock *s);
/* Sleeps on the condition variable until the stack changes, or at most
 * ms milliseconds of real time when ms is not 0.  s (NULL for none) is the
 * socket the caller holds.  0; -ETIMEDOUT when ms ran out; -EBADF when s
 * was closed meanwhile (s may be freed: do not touch it again); -EINTR
 * when the instance is being freed. */
int sl__pd_wait(struct sl__pd *pd, struct sl__pd_sock *s, unsigned ms);

int sl__pd_netdev_send(void *userdata, const void *buf, size_t count);
int sl__pd_netdev_receive(void *userdata, void *buf, size_t *count,
                          long long *time_usecs);
int sl__pd_usleep(void *userdata, useconds_t usec);
int sl__pd_gettimeofday(void *userdata, struct timeval *tv,
                        struct timezone *tz);

/* ---- pd_socket.c ----------------------------------------------------- */

/* Fills in every socket call of ifc. */
void sl__pd_socket_ops(struct packetdrill_interface *ifc);

#endif
