/* The runtime: socklab's stack inside a real process (rt.c).  One host
 * per process, driven by a background thread with the real clock; a link
 * (lib/link) carries its packets.  One mutex serialises everything that
 * touches the core; blocking socket calls sleep on a condition variable
 * that the core's notify callback broadcasts.  Its other modules:
 * config.h (SOCKLAB_*), sock.h (the sockets lib/api hands out),
 * exporter.h (what netstat asks). */
#ifndef SOCKLAB_RUNTIME_RT_H
#define SOCKLAB_RUNTIME_RT_H

#include <pthread.h>
#include <stdint.h>

#include "core/stack.h"
#include "link/link.h"
#include "obs/pcap.h"
#include "obs/trace.h"
#include "runtime/config.h"

/* ---- the runtime (rt.c) ----------------------------------------------- */

/* How many past state changes a late netstat --watch is told. */
#define SL__RECENT 32

struct sl__rt {
  pthread_mutex_t lock;   /* the core and every socklab socket */
  pthread_cond_t changed; /* broadcast when any socket may have changed */
  struct sl__host *host;
  struct sl__link *link;
  struct sl__link *self; /* the host's loopback: what it sends itself; the
                            link itself when that is SOCKLAB_LINK=loop */
  struct sl__rt_config cfg;
  pthread_t thread;
  int wake_fd;          /* eventfd: the thread looks at timers again */
  uint64_t sleep_until; /* when the thread plans to wake, us */
  uint64_t epoch_ns;    /* CLOCK_MONOTONIC at start: time 0 */
  struct sl__pcap *pcap;
  struct sl__trace_file *trace; /* SOCKLAB_TRACE */
  int export_fd;                /* where socklab netstat asks (exporter.c) */
  int watchers[8];              /* netstat --watch connections, -1 = free */
  char recent[SL__RECENT][224]; /* the last state changes, as JSON lines */
  int recent_next, recent_n;
  struct {
    int tid;          /* 0: a free slot */
    const char *call; /* "accept", "recv", ... */
  } waiting[16];      /* threads asleep in sl__rt_wait, for WHERE */
  char export_path[108];
  int generation; /* changes in a forked child */
  int stopping;
};

/* The process's runtime, started on first use.  NULL with errno, and
 * *why explaining, when the configuration or the link fails. */
struct sl__user_failure;
struct sl__rt *sl__rt_get(struct sl__user_failure *why);
/* The runtime if this process has started one, else NULL (never starts
 * it: asking about sockets must not create a stack). */
struct sl__rt *sl__rt_running(void);

/* Microseconds since the runtime started. */
uint64_t sl__rt_now(const struct sl__rt *rt);

/* Lock the runtime and bring the host's clock to now: every socket call
 * starts with this and ends with sl__rt_unlock, which wakes the thread if
 * the call armed a timer earlier than it planned to wake. */
void sl__rt_lock(struct sl__rt *rt);
void sl__rt_unlock(struct sl__rt *rt);

/* Sleeps until something changes or deadline_us (runtime clock) passes;
 * UINT64_MAX waits without a limit.  Returns 0, or -ETIMEDOUT.  call
 * names the socket call that waits ("accept"): netstat's WHERE request
 * reports it, so the grader can say where a stuck program is. */
int sl__rt_wait(struct sl__rt *rt, uint64_t deadline_us, const char *call);

/* Counter of forks: sockets made before a fork are not the child's. */
int sl__rt_generation(void);

/* localhost on socklab's stack: the address of the socklab process on
 * this machine that has the port (over the hub), else this host's own. */
uint32_t sl__rt_localhost(struct sl__rt *rt, int tcp, uint16_t port);

/* Tells the hub this process now has (or no longer has) the port, so
 * other processes' localhost reaches it.  -EADDRINUSE when another
 * process has it. */
int sl__rt_claim_port(struct sl__rt *rt, int tcp, uint16_t port);
void sl__rt_release_port(struct sl__rt *rt, int tcp, uint16_t port);

#endif
