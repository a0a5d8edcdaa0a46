/* What most lab tests do, once: start a server and wait for it to listen,
 * run a client on some input, make seeded input, and compare lines with
 * feedback that shows the first difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/grade.h"

const char *
gr_quote(const void *data, size_t n, size_t max, char *out, size_t len)
{
  const unsigned char *p = data;
  size_t o = 0, i;

  o += (size_t)snprintf(out + o, len - o, "\"");
  for (i = 0; i < n && o + 8 < len && i < max; i++) {
    if (p[i] == '\0')
      o += (size_t)snprintf(out + o, len - o, "\\0");
    else if (p[i] == '\n')
      o += (size_t)snprintf(out + o, len - o, "\\n");
    else if (p[i] == '"' || p[i] == '\\')
      o += (size_t)snprintf(out + o, len - o, "\\%c", p[i]);
    else if (p[i] < 32 || p[i] > 126)
      o += (size_t)snprintf(out + o, len - o, "\\x%02x", p[i]);
    else
      out[o++] = (char)p[i];
  }
  snprintf(out + o, len - o, "%s\"", i < n ? "..." : "");
  return out;
}

const char *
gr_show_output(const char *printed, char *out, size_t len)
{
  if (printed == NULL || printed[0] == '\0') {
    snprintf(out, len, "nothing");
    return out;
  }
  return gr_quote(printed, strlen(printed), 100, out, len);
}

const char *
gr_itoa(int v, char *buf, size_t len)
{
  snprintf(buf, len, "%d", v);
  return buf;
}

struct gr_proc *
gr_server(struct gr_ctx *c, enum gr_who who, const char *prog, int port,
          const char *const *more, int udp)
{
  const char *argv[16];
  char p[16];
  struct gr_proc *s;
  int n = 0;

  argv[n++] = gr_itoa(port, p, sizeof p);
  for (int i = 0; more != NULL && more[i] != NULL && n < 15; i++)
    argv[n++] = more[i];
  argv[n] = NULL;
  s = gr_start(c, who, prog, argv);
  if (!gr_wait_listen(c, s, port, udp, 5)) {
    gr_score(c, 0);
    gr_end(c);
  }
  return s;
}

int
gr_client(struct gr_ctx *c, enum gr_who who, const char *prog, int port,
          const char *const *more, const char *input, size_t len,
          double seconds, struct gr_proc **out)
{
  const char *argv[16];
  char p[16];
  struct gr_proc *cl;
  int n = 0;

  argv[n++] = gr_host(c);
  argv[n++] = gr_itoa(port, p, sizeof p);
  for (int i = 0; more != NULL && more[i] != NULL && n < 15; i++)
    argv[n++] = more[i];
  argv[n] = NULL;
  cl = gr_start(c, who, prog, argv);
  if (out != NULL)
    *out = cl;
  if (input != NULL)
    gr_feed(cl, input, len);
  gr_close_stdin(cl);
  return gr_expect_exit(c, cl, seconds);
}

char *
gr_lines(struct gr_ctx *c, int n, size_t max_len)
{
  static const char words[][8] = {"socket",  "bind", "listen", "accept",
                                  "SYN",     "ACK",  "FIN",    "window",
                                  "segment", "port", "stream", "LISTEN"};
  struct gr_buf b = {0};

  for (int i = 0; i < n; i++) {
    size_t len = 1 + gr_rand(c, max_len), start = b.len;
    gr_buf_printf(&b, "%d", i + 1);
    while (b.len - start < len) {
      const char *w = words[gr_rand(c, sizeof words / sizeof *words)];
      gr_buf_add(&b, " ", 1);
      gr_buf_add(&b, w, strlen(w));
    }
    if (b.len - start > len && len > 2)
      b.len = start + len; /* exactly len bytes, cut inside a word */
    gr_buf_add(&b, "\n", 1);
  }
  return b.s;
}

/* The next line of *p (without its newline) into out; 0 at the end. */
static int
next_line(const char **p, char *out, size_t len)
{
  const char *nl;
  size_t n;

  if (**p == '\0')
    return 0;
  nl = strchr(*p, '\n');
  n = nl ? (size_t)(nl - *p) : strlen(*p);
  snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), *p);
  *p += n + (nl != NULL);
  return 1;
}

double
gr_compare_lines(struct gr_ctx *c, const char *want, const char *got,
                 const char *what)
{
  static char w[8192], g[8192];
  const char *pw = want, *pg = got ? got : "";
  int total = 0, same = 0, shown = 0, have_w, have_g, extra = 0;

  for (;;) {
    have_w = next_line(&pw, w, sizeof w);
    have_g = next_line(&pg, g, sizeof g);
    if (!have_w && !have_g)
      break;
    if (!have_w) {
      extra++;
      continue;
    }
    total++;
    if (have_g && strcmp(w, g) == 0) {
      same++;
    } else if (!shown++) {
      gr_say(c, "In %s, line %d: expected \"%.200s\"%s, got %s%.200s%s%s.",
             what, total, w, strlen(w) > 200 ? "..." : "", have_g ? "\"" : "",
             have_g ? g : "nothing (the output ended)", have_g ? "\"" : "",
             have_g && strlen(g) > 200 ? "..." : "");
    }
  }
  if (same < total)
    gr_say(c, "%d of %d lines as expected.", same, total);
  if (extra > 0)
    gr_say(c, "%s had %d line%s more than expected.", what, extra,
           extra == 1 ? "" : "s");
  return total == 0 ? (extra == 0) : (double)same / total * (extra ? 0.5 : 1);
}

double
gr_data_score(struct gr_ctx *c, double fraction)
{
  if (fraction >= 1 - 1e-9)
    return 1;
  gr_say(c, "Data that arrives changed, cut, or not at all costs the whole "
            "test, not just the share that went wrong: a program that "
            "damages data has failed at its one job.");
  return 0;
}

void
gr_want_exit_0(struct gr_ctx *c, struct gr_proc *cl)
{
  char how[200];

  if (gr_exited_ok(cl))
    return;
  gr_exit_text(cl, how, sizeof how);
  gr_say(c, "%s %s; it should exit with 0 at the end of its input.", cl->label,
         how);
  gr_show_stderr(c, cl);
  gr_score(c, c->score * 0.5);
}
