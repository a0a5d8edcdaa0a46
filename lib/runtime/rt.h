/* The runtime: socklab's stack inside a real process.  One host per
 * process, driven by a background thread with the real clock; a link
 * carries its packets (the hub, TUN, raw sockets, or the loopback of the
 * process itself).  One mutex serialises everything that touches the
 * core; blocking socket calls sleep on a condition variable that the
 * core's notify callback broadcasts. */
#ifndef SOCKLAB_RT_H
#define SOCKLAB_RT_H

#include <pthread.h>
#include <stdint.h>

#include "obs/pcap.h"
#include "obs/trace.h"
#include "core/stack.h"

/* ---- configuration from the environment (config.c) -------------------- */

enum sl__link_kind {
  SL__LINK_HUB, /* the hub's unix socket */
  SL__LINK_UDP, /* the hub's UDP port, from another machine */
  SL__LINK_LOOP,
  SL__LINK_TUN,
  SL__LINK_RAW
};

struct sl__rt_config {
  enum sl__link_kind link;
  char link_arg[256];  /* hub socket path, hub host, or interface name */
  uint16_t link_port;  /* the hub's UDP port (SL__LINK_UDP) */
  uint32_t addr;       /* SOCKLAB_ADDR, host order; 0 = from the hub */
  char hostname[64];   /* SOCKLAB_HOSTNAME, "" = none */
  uint16_t mtu;        /* SOCKLAB_MTU */
  uint64_t msl_us;     /* SOCKLAB_MSL_MS */
  uint64_t rto_min_us; /* SOCKLAB_RTO_MIN_MS, 0 = the default */
  uint64_t seed;       /* SOCKLAB_SEED, for ISNs and ports */
  int have_seed;
  char pcap[256];  /* SOCKLAB_PCAP, "" = none */
  char trace[256]; /* SOCKLAB_TRACE, "" = none */
};

/* Reads every SOCKLAB_* variable.  Returns 0, or -EINVAL with msg set to
 * "SOCKLAB_MTU=abc: expected ..." naming the variable and what it
 * accepts. */
int sl__rt_config_read(struct sl__rt_config *cfg, char *msg, size_t msglen);

/* Does the link go through a hub (its unix socket or its UDP port)?  Then
 * names, localhost ports and questions go to that hub. */
int sl__link_is_hub(const struct sl__rt_config *cfg);

/* The hub's default socket: $XDG_RUNTIME_DIR/socklab-hub.sock, else
 * /tmp/socklab-hub-UID.sock. */
void sl__hub_default_path(char *buf, size_t len);

/* ---- links (link_*.c) ------------------------------------------------- */

struct sl__link;
struct sl__link_ops {
  const char *name;
  /* Sends one IPv4 datagram; never blocks (a full queue drops). */
  void (*send)(struct sl__link *l, const uint8_t *pkt, size_t len);
  /* Reads one datagram if one is waiting: its length, 0 for none, or a
   * negative errno when the link is down for good. */
  ssize_t (*recv)(struct sl__link *l, uint8_t *buf, size_t cap);
  void (*close)(struct sl__link *l);
  /* Sends what send() batched, if the link batches (may be NULL).  The
   * runtime calls it before it lets go of its lock. */
  void (*flush)(struct sl__link *l);
  /* Called by the runtime thread whenever it wakes (may be NULL): a link
   * that must say something now and then (the UDP hub link's keepalive)
   * says it.  Returns the longest the thread may sleep before calling it
   * again, in milliseconds, or -1 for no limit. */
  int (*tick)(struct sl__link *l);
  /* Says goodbye at exit, while the link stays open (may be NULL): the
   * hub over UDP would otherwise hear of it only from its silence. */
  void (*leave)(struct sl__link *l);
};

struct sl__link {
  const struct sl__link_ops *ops;
  int fd;        /* polled by the runtime thread for input */
  uint32_t addr; /* the address the link gave the host (0: none) */
  int pending;   /* datagrams read from fd but not yet handed out by recv:
                    poll would not show them, so the thread must not wait */
};

/* Opens the link the configuration names.  Returns 0 or a negative errno
 * with msg explaining. */
int sl__link_open(const struct sl__rt_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen);

/* A loopback (link.c): what is sent on it comes back to the same process
 * through a queue, input never running inside output.  SOCKLAB_LINK=loop
 * is one; every runtime has one more for the datagrams its host sends to
 * itself (rt.c). */
int sl__loop_link_open(uint32_t addr, struct sl__link **out, char *msg,
                       size_t msglen);

/* The hub link (link_hub.c): joins the virtual switch at cfg->link_arg,
 * starting a hub there first when none runs; or, SL__LINK_UDP, the hub
 * listening on UDP at cfg->link_arg:cfg->link_port (never started: it is
 * another machine's). */
int sl__hub_link_open(const struct sl__rt_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

/* Asks the hub of cfg for the address of name.  0 and *addr, -ENOENT
 * when the hub knows no such name, or another negative errno. */
int sl__hub_resolve(const struct sl__rt_config *cfg, const char *name,
                    uint32_t *addr);

/* Reads the hub's answer to HELLO, "WELCOME <addr> [bundle] [keepalive
 * <ms>]" (hub.h): 0 with *addr, *bundles and *keepalive_ms (0 when the
 * hub asks for none), or -1 when it is not a WELCOME. */
int sl__hub_parse_welcome(const char *a, uint32_t *addr, int *bundles,
                          int *keepalive_ms);

/* The TUN link (link_tun.c): the device named cfg->link_arg. */
int sl__tun_link_open(const struct sl__rt_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

/* The raw link (link_raw.c): a packet socket on interface cfg->link_arg. */
int sl__raw_link_open(const struct sl__rt_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

/* Any control question (CLAIM, RELEASE, WHO...); hub.h has the protocol. */
int sl__hub_ask(const struct sl__rt_config *cfg, const char *q, char *answer,
                size_t len);

/* Which member listens on localhost's tcp (or udp) port: -ENOENT when
 * none does. */
int sl__hub_who(const struct sl__rt_config *cfg, int tcp, uint16_t port,
                uint32_t *addr);

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
  int export_fd;                /* where socklab netstat asks (export.c) */
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

/* The process's runtime, started on first use.  NULL with errno and a
 * message (sl_last_error) when the configuration or the link fails. */
struct sl__rt *sl__rt_get(void);
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

/* The directory of the per-process netstat sockets (export.c). */
void sl__sockdir(char *buf, size_t len);
/* Sends request ("DUMP\n", "STATS\n") to every running socklab process
 * and hands each answer to answer; removes the entries of processes that
 * are gone.  Returns how many answered. */
int sl__export_ask(const char *request,
                   void (*answer)(void *arg, int pid, FILE *f), void *arg);
/* Is a netstat --watch running (it leaves SOCKDIR/watching.PID)?  A
 * process that exits then waits a moment to be watched, so that a short
 * client's connection is seen. */
int sl__export_watched(void);
/* The same answer for this process, written to f in-process: 0, or
 * -ENOENT when this process has not started socklab's stack. */
int sl__export_answer_self(const char *request, FILE *f);
/* The counters a process answers "STATS" with, under /proc/net/snmp's
 * names, with what each counts (for netstat -s). */
struct sl__counter {
  const char *group, *name, *meaning;
  size_t offset; /* in struct sl__stats, a uint64_t */
};
#define SL__NCOUNTERS 43 /* export.c checks it against the table */
extern const struct sl__counter sl__counters[];
int sl__export_open(struct sl__rt *rt);
void sl__export_serve(struct sl__rt *rt);
void sl__export_close(struct sl__rt *rt);
/* The host's trace callback: the SOCKLAB_TRACE file and any watchers. */
void sl__export_trace(void *rt, const struct sl__event *ev);

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
