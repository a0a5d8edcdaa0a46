/* The trace writer (trace.h): JSON lines, one per event, in the schema of
 * lib/obs/TRACE.md.  Only numbers and fixed names are written, so no
 * string needs escaping. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "obs/trace.h"

struct sl__trace_file {
  FILE *f;
  int own; /* we opened it (not stdout) */
  int error;
};

struct sl__trace_file *
sl__trace_open(const char *path)
{
  struct sl__trace_file *t = calloc(1, sizeof *t);

  if (t == NULL)
    return NULL;
  if (strcmp(path, "-") == 0) {
    t->f = stdout;
  } else {
    t->f = fopen(path, "w");
    t->own = 1;
  }
  if (t->f == NULL) {
    int e = errno;
    free(t);
    errno = e;
    return NULL;
  }
  return t;
}

void
sl__trace_line_buffered(struct sl__trace_file *t)
{
  setvbuf(t->f, NULL, _IOLBF, 0);
}

static const char *
ip(char *buf, uint32_t a)
{
  snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
           a & 255);
  return buf;
}

/* "S", "S.", "F.", "R", "P." as tcpdump writes flags ('.' is ACK). */
static const char *
flag_string(char *buf, uint8_t f)
{
  char *p = buf;

  if (f & SL__TCP_SYN)
    *p++ = 'S';
  if (f & SL__TCP_FIN)
    *p++ = 'F';
  if (f & SL__TCP_RST)
    *p++ = 'R';
  if (f & SL__TCP_PSH)
    *p++ = 'P';
  if (f & SL__TCP_URG)
    *p++ = 'U';
  if (f & SL__TCP_ACK)
    *p++ = '.';
  *p = '\0';
  return buf;
}

static const char *const type_names[] = {
    [SL__EV_SEG_IN] = "seg",  [SL__EV_SEG_OUT] = "seg",
    [SL__EV_STATE] = "state", [SL__EV_TIMER] = "timer",
    [SL__EV_DROP] = "drop",   [SL__EV_UDP_IN] = "udp",
    [SL__EV_UDP_OUT] = "udp",
};

int
sl__trace_format(char *buf, size_t len, const struct sl__event *ev)
{
  char h[16], la[16], ra[16], fl[8];
  const struct sl__tcp_seg *s = ev->seg;
  int out = ev->type == SL__EV_SEG_OUT || ev->type == SL__EV_UDP_OUT;
  int n;

  n = snprintf(buf, len,
               "{\"v\":%d,\"t\":%llu.%06llu,\"host\":\"%s\",\"ev\":\"%s\"",
               SL__TRACE_VERSION, (unsigned long long)(ev->time_us / 1000000),
               (unsigned long long)(ev->time_us % 1000000), ip(h, ev->host),
               (unsigned)ev->type < sizeof type_names / sizeof *type_names
                   ? type_names[ev->type]
                   : "unknown");
#define ADD(...)                                                               \
  n += snprintf(buf + (n < (int)len ? n : (int)len),                           \
                (size_t)n < len ? len - (size_t)n : 0, __VA_ARGS__)
  if (ev->laddr || ev->raddr || ev->lport)
    ADD(",\"conn\":\"%s:%u>%s:%u\"", ip(la, ev->laddr), ev->lport,
        ip(ra, ev->raddr), ev->rport);
  switch (ev->type) {
  case SL__EV_SEG_IN:
  case SL__EV_SEG_OUT: {
    /* Relative numbers as Wireshark shows them: from the sender's ISN
     * (seq) and the receiver's (ack); a SYN is at relative 0. */
    uint32_t seq_base = out ? ev->iss : ev->irs;
    uint32_t ack_base = out ? ev->irs : ev->iss;
    int know_seq = (s->flags & SL__TCP_SYN) || seq_base != 0 || out;
    ADD(",\"dir\":\"%s\",\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"win\":%u,"
        "\"len\":%zu",
        out ? "out" : "in", flag_string(fl, s->flags), s->seq, s->ack, s->wnd,
        s->len);
    if (know_seq)
      ADD(",\"rseq\":%u",
          (s->flags & SL__TCP_SYN) && !out ? 0 : s->seq - seq_base);
    if ((s->flags & SL__TCP_ACK) && (ack_base != 0 || !out))
      ADD(",\"rack\":%u", s->ack - ack_base);
    if (s->opt.has_mss)
      ADD(",\"mss\":%u", s->opt.mss);
    if (ev->note)
      ADD(",\"note\":\"%s\"", ev->note);
    break;
  }
  case SL__EV_STATE:
    ADD(",\"from\":\"%s\",\"to\":\"%s\",\"cause\":\"%s\"",
        sl_tcp_state_rfc(ev->from), sl_tcp_state_rfc(ev->to),
        ev->cause ? ev->cause : "");
    break;
  case SL__EV_TIMER:
    ADD(",\"timer\":\"%s\",\"backoff\":%u", sl__timer_name(ev->timer),
        ev->backoff);
    break;
  case SL__EV_DROP:
    ADD(",\"reason\":\"%s\"", sl__drop_name(ev->drop));
    if (ev->note)
      ADD(",\"note\":\"%s\"", ev->note);
    break;
  case SL__EV_UDP_IN:
  case SL__EV_UDP_OUT:
    ADD(",\"dir\":\"%s\",\"len\":%zu", out ? "out" : "in", ev->len);
    break;
  default:
    break;
  }
  ADD("}\n");
#undef ADD
  return n;
}

void
sl__trace_write(void *arg, const struct sl__event *ev)
{
  struct sl__trace_file *t = arg;
  char line[512];
  int n = sl__trace_format(line, sizeof line, ev);

  if (n > 0 && (size_t)n < sizeof line && t->error == 0 &&
      fwrite(line, 1, (size_t)n, t->f) != (size_t)n)
    t->error = -(errno ? errno : EIO);
}

int
sl__trace_close(struct sl__trace_file *t)
{
  int e = t->error;

  if (fflush(t->f) != 0 && e == 0)
    e = -(errno ? errno : EIO);
  if (t->own && fclose(t->f) != 0 && e == 0)
    e = -(errno ? errno : EIO);
  free(t);
  return e;
}

/* ---- reading it back: fields of one line ------------------------------- */

const char *
sl__trace_field_raw(const char *line, const char *key)
{
  char pat[32];
  const char *p;

  snprintf(pat, sizeof pat, "\"%s\":", key);
  p = strstr(line, pat);
  return p ? p + strlen(pat) : NULL;
}

void
sl__trace_field_str(const char *line, const char *key, char *out, size_t len)
{
  const char *p = sl__trace_field_raw(line, key);
  size_t n = 0;

  out[0] = '\0';
  if (p == NULL || *p != '"')
    return;
  for (p++; *p && *p != '"' && n + 1 < len; p++)
    out[n++] = *p;
  out[n] = '\0';
}

long long
sl__trace_field_num(const char *line, const char *key)
{
  const char *p = sl__trace_field_raw(line, key);

  return p ? strtoll(p, NULL, 10) : -1;
}
