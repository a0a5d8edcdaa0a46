/* netstat's socklab-stack sockets: each running socklab process's answer
 * to DUMP (obs/export.h, obs/EXPORT.md), or this process's own (--self). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "obs/export.h"
#include "obs/netstat_priv.h"

/* ---- socklab-stack sockets --------------------------------------------- */

const char *
sl__netstat_user_state(const char *rfc, int rfc_spelling)
{
  int state = sl_tcp_state_from_name(rfc);

  return rfc_spelling || state < 0 ? rfc : sl_tcp_state_netstat(state);
}

/* The owner of process pid, for -e and --proc-format. */
static unsigned
uid_of(int pid)
{
  char path[32];
  struct stat st;

  snprintf(path, sizeof path, "/proc/%d", pid);
  return stat(path, &st) == 0 ? (unsigned)st.st_uid : 0;
}

/* A socklab timer as /proc/net/tcp's "tr" field codes it. */
static unsigned
proc_timer_code(const char *timer)
{
  if (strcmp(timer, "rexmt") == 0 || strcmp(timer, "user") == 0)
    return 1; /* the user timeout runs beside the retransmissions */
  if (strcmp(timer, "2msl") == 0)
    return 3;
  if (strcmp(timer, "persist") == 0)
    return 4;
  return strcmp(timer, "-") == 0 ? 0 : 2; /* the rest: "another timer" */
}

struct dump {
  const struct opts *o;
  struct row *rows;
  int n, max;
};

static void
dotted_port(char *out, size_t len, uint32_t a, unsigned port)
{
  snprintf(out, len, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
           a & 255, port);
}

/* One socket of a DUMP answer as a row. */
static void
dump_row(const struct dump *d, int pid, const struct sl__dump_row *s,
         struct row *r)
{
  memset(r, 0, sizeof *r);
  snprintf(r->proto, sizeof r->proto, "%s", s->udp ? "udp" : "tcp");
  dotted_port(r->local, sizeof r->local, s->laddr, s->lport);
  if (s->rport == 0)
    snprintf(r->remote, sizeof r->remote, "0.0.0.0:*");
  else
    dotted_port(r->remote, sizeof r->remote, s->raddr, s->rport);
  r->sendq = s->send_q;
  r->recvq = s->recv_q;
  r->stack = "user";
  r->pid = pid;
  r->uid = uid_of(pid);
  r->timer_code = proc_timer_code(s->timer);
  r->when_ms = (unsigned long)s->timer_ms;
  r->backoff = s->backoff;
  r->rto_ms = (unsigned)(s->rto_us / 1000);
  /* Linux counts these in segments; socklab's stack in bytes. */
  r->cwnd = s->snd_mss ? s->cwnd / s->snd_mss : 0;
  r->ssthresh =
      s->snd_mss && s->ssthresh <= 1000000000u ? s->ssthresh / s->snd_mss : 0;
  if (s->udp) {
    r->listening = s->rport == 0;
    snprintf(r->state, sizeof r->state, "%s", s->rport ? "ESTABLISHED" : "");
  } else {
    r->listening = s->state == SL_TCP_LISTEN;
    if (r->listening)
      r->sendq = 0; /* netstat shows no Send-Q for a listener */
    snprintf(r->state, sizeof r->state, "%s",
             d->o->rfc ? sl_tcp_state_rfc(s->state)
                       : sl_tcp_state_netstat(s->state));
  }
  if (d->o->timers)
    snprintf(r->timer, sizeof r->timer, "%s (%.2f/%u/0)",
             strcmp(s->timer, "-") == 0 ? "off" : s->timer,
             (double)s->timer_ms / 1000.0, s->backoff);
  r->rcv_wnd = r->snd_wnd = -1;
  if (s->nfields == SL__DUMP_FIELDS) {
    r->rcv_wnd = (int)s->rcv_wnd;
    r->snd_wnd = (int)s->snd_wnd;
  }
  if (s->nfields == SL__DUMP_FIELDS && !s->udp)
    snprintf(r->info, sizeof r->info,
             "rto:%.0fms rtt:%.3f/%.3fms mss:%u rcv_mss:%u cwnd:%u "
             "ssthresh:%u snd_una:%u snd_nxt:%u rcv_nxt:%u snd_wnd:%u "
             "rcv_wnd:%u retrans:%llu",
             (double)s->rto_us / 1000, (double)s->srtt_us / 1000,
             (double)s->rttvar_us / 1000, s->snd_mss, s->rcv_mss, s->cwnd,
             s->ssthresh > 1000000000u ? 0 : s->ssthresh, s->snd_una,
             s->snd_nxt, s->rcv_nxt, s->snd_wnd, s->rcv_wnd,
             (unsigned long long)s->retransmits);
}

/* One process's answer to DUMP (obs/EXPORT.md), a row per socket. */
static void
add_dump(void *arg, int pid, FILE *f)
{
  struct dump *d = arg;
  struct sl__dump_row s;
  char line[256];

  while (d->n < d->max && fgets(line, sizeof line, f) != NULL)
    if (sl__dump_parse(line, &s))
      dump_row(d, pid, &s, &d->rows[d->n++]);
}

/* --self: this process's own socklab sockets, asked in-process. */
static void
dump_self(struct dump *d)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  int r;

  if (f == NULL)
    return;
  r = sl__export_answer_self("DUMP\n", f);
  if (fclose(f) != 0 || r < 0 || len == 0 ||
      (f = fmemopen(text, len, "r")) == NULL) {
    free(text);
    return; /* no socklab stack in this process: nothing to show */
  }
  add_dump(d, (int)getpid(), f);
  fclose(f);
  free(text);
}

int
sl__netstat_read_user(const struct opts *o, struct row *rows, int n, int max)
{
  struct dump d = {o, rows, n, max};

  if (o->self)
    dump_self(&d);
  else
    sl__export_ask("DUMP\n", add_dump, &d);
  return d.n;
}

/* ---- one buffer at a time, for tests and fuzzing ----------------------- */

int
sl__netstat_parse_dump(FILE *out, int pid, const char *text, size_t len)
{
  struct opts o;
  struct row *rows = sl__netstat_parse_setup(out, &o);
  struct dump d = {&o, rows, 0, PARSE_MAX};
  FILE *f;

  if (rows == NULL)
    return -ENOMEM;
  if ((f = fmemopen((void *)text, len, "r")) == NULL) {
    free(rows);
    return -errno;
  }
  add_dump(&d, pid, f);
  fclose(f);
  return sl__netstat_show_parsed(out, &o, rows, d.n);
}
