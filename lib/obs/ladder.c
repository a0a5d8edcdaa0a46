/* socklab ladder: one connection of a trace (lib/obs/TRACE.md) drawn as
 * the lecture notes draw it -- two time lines, the client on the left, the
 * server on the right, every segment an arrow, and each side's state
 * written beside its line whenever it changes.  Text in 80 columns, with
 * colour (client red, server blue) only on a terminal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs/ladder.h"
#include "obs/trace.h"
#include "obs/xml.h"

#define MAX_EVENTS 100000
#define ARROW      43 /* columns between the two time lines */
#define ARROW_MAX  96 /* ... when labels need more (--absolute-seq) */

/* The arrows' width for the diagram being drawn: ARROW, unless a label
 * would not fit (render_text). */
static int arrow_cols = ARROW;

struct event {
  double t;
  int order; /* its place in the files read, for a stable merge */
  char host[16];
  char ev[8];
  char conn[48];
  char dir[4], flags[8], from[16], to[16], note[24], timer[12];
  long long seq, ack, rseq, rack, win, len, mss;
};

/* ---- reading our own JSON lines ----------------------------------------- */

static int
parse_line(const char *line, struct event *e)
{
  const char *t = sl__trace_field_raw(line, "t");

  if (strncmp(line, "{\"v\":1,", 7) != 0 || t == NULL)
    return -1;
  memset(e, 0, sizeof *e);
  e->t = strtod(t, NULL);
  sl__trace_field_str(line, "host", e->host, sizeof e->host);
  sl__trace_field_str(line, "ev", e->ev, sizeof e->ev);
  sl__trace_field_str(line, "conn", e->conn, sizeof e->conn);
  /* A connection is "A:P>B:P": anything else (a trace written by hand, or
   * cut short at 47 bytes) belongs to no connection, so the builder can
   * split every conn it meets at its '>'. */
  if (strchr(e->conn, '>') == NULL)
    e->conn[0] = '\0';
  sl__trace_field_str(line, "dir", e->dir, sizeof e->dir);
  sl__trace_field_str(line, "flags", e->flags, sizeof e->flags);
  sl__trace_field_str(line, "from", e->from, sizeof e->from);
  sl__trace_field_str(line, "to", e->to, sizeof e->to);
  sl__trace_field_str(line, "note", e->note, sizeof e->note);
  sl__trace_field_str(line, "timer", e->timer, sizeof e->timer);
  e->seq = sl__trace_field_num(line, "seq");
  e->ack = sl__trace_field_num(line, "ack");
  e->rseq = sl__trace_field_num(line, "rseq");
  e->rack = sl__trace_field_num(line, "rack");
  e->win = sl__trace_field_num(line, "win");
  e->len = sl__trace_field_num(line, "len");
  e->mss = sl__trace_field_num(line, "mss");
  return 0;
}

/* ---- connections -------------------------------------------------------- */

/* "A:P>B:P" and "B:P>A:P" are the same connection. */
static int
same_conn(const char *a, const char *b)
{
  char rev[48];
  const char *gt = strchr(b, '>');

  if (strcmp(a, b) == 0)
    return 1;
  if (gt == NULL)
    return 0;
  snprintf(rev, sizeof rev, "%s>%.*s", gt + 1, (int)(gt - b), b);
  return strcmp(a, rev) == 0;
}

/* ---- drawing ---------------------------------------------------------------
 */

struct style {
  const char *client, *server, *reset;
};

/* Colour only on a terminal: the client red, the server blue. */
static const struct style *
style_of(int color)
{
  static const struct style plain = {"", "", ""};
  static const struct style colour = {"\033[31m", "\033[34m", "\033[0m"};

  return color ? &colour : &plain;
}

/* State names as netstat prints them: the spelling of the notes. */
static const char *
netstat_name(const char *rfc)
{
  static const char *const map[][2] = {
      {"SYN-RECEIVED", "SYN_RECV"}, {"FIN-WAIT-1", "FIN_WAIT1"},
      {"FIN-WAIT-2", "FIN_WAIT2"},  {"CLOSE-WAIT", "CLOSE_WAIT"},
      {"LAST-ACK", "LAST_ACK"},     {"TIME-WAIT", "TIME_WAIT"},
      {"SYN-SENT", "SYN_SENT"},
  };

  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(rfc, map[i][0]) == 0)
      return map[i][1];
  return rfc;
}

/* "SYN,ACK seq=0 ack=1 mss=1400" */
static void
seg_label(const struct event *e, int absolute, char *buf, size_t len)
{
  char names[32] = "";
  const char *f = e->flags;
  size_t n;

  if (strchr(f, 'S'))
    strcat(names, "SYN,");
  if (strchr(f, 'F'))
    strcat(names, "FIN,");
  if (strchr(f, 'R'))
    strcat(names, "RST,");
  if (strchr(f, 'P'))
    strcat(names, "PSH,");
  if (strchr(f, '.'))
    strcat(names, "ACK,");
  n = strlen(names);
  if (n > 0)
    names[n - 1] = '\0';
  n = (size_t)snprintf(buf, len, "%s seq=%lld", names,
                       absolute || e->rseq < 0 ? e->seq : e->rseq);
  if (strchr(f, '.') && n < len)
    n += (size_t)snprintf(buf + n, len - n, " ack=%lld",
                          absolute || e->rack < 0 ? e->ack : e->rack);
  if (e->len > 0 && n < len)
    n += (size_t)snprintf(buf + n, len - n, " len=%lld", e->len);
  if (e->mss >= 0 && n < len)
    n += (size_t)snprintf(buf + n, len - n, " mss=%lld", e->mss);
  if (e->win == 0 && n < len)
    n += (size_t)snprintf(buf + n, len - n, " win=0");
}

static void
row(const struct style *st, double t, const char *left, const char *middle,
    const char *right)
{
  printf("%8.4f %s%12s%s |%-*s| %s%s%s\n", t, st->client, left, st->reset,
         arrow_cols, middle, st->server, right, st->reset);
}

/* An arrow of arrow_cols columns with label in it: "--- label --->" or
 * "<--- label ---"; a lost segment ends in "X" before reaching the line. */
static void
arrow(char *out, const char *label, int rightward, int lost)
{
  size_t n = strlen(label);
  size_t pad, i = 0;

  if (n > (size_t)arrow_cols - 6)
    n = (size_t)arrow_cols - 6;
  pad = ((size_t)arrow_cols - n - 2) / 2;
  memset(out, '-', (size_t)arrow_cols);
  out[arrow_cols] = '\0';
  if (rightward)
    out[arrow_cols - 1] = lost ? 'X' : '>';
  else
    out[0] = lost ? 'X' : '<';
  if (lost) {
    /* Stops short: it never got there. */
    for (i = 0; i < 4; i++)
      out[rightward ? arrow_cols - 1 - i : i] = ' ';
    out[rightward ? arrow_cols - 5 : 4] = 'X';
  }
  out[pad] = ' ';
  memcpy(out + pad + 1, label, n);
  out[pad + 1 + n] = ' ';
}

static int
same_segment(const struct event *a, const struct event *b)
{
  return strcmp(a->ev, "seg") == 0 && a->seq == b->seq && a->ack == b->ack &&
         a->len == b->len && strcmp(a->flags, b->flags) == 0;
}

static size_t
segment_bucket(const struct event *e, size_t mask)
{
  uint64_t h = (uint64_t)e->seq * 0x9e3779b97f4a7c15ull;

  h ^= (uint64_t)e->ack * 0xc2b2ae3d27d4eb4full + (uint64_t)e->len;
  for (const char *f = e->flags; *f != '\0'; f++)
    h = (h ^ (unsigned char)*f) * 1099511628211ull;
  return (size_t)(h ^ (h >> 29)) & mask;
}

/* Which sends arrived: each arrival is matched with the latest identical
 * send before it that is not matched yet.  So of a segment sent twice and
 * received once, the first send was lost (the retransmission is what
 * arrived), and of two identical duplicate ACKs sent back to back and
 * both received, both arrived.  arrived[i] is set for sends i that did.
 * The sends wait in a hash table by segment, latest first, so that a
 * trace with no matching sends (one side's) is not quadratic: 24,000
 * events of one side took 1.4 s. */
static void
match_arrivals(const struct event *ev, int n, const char *conn, char *arrived)
{
  size_t size = 64, mask;
  int *head, *next;

  while (size < 2 * (size_t)n)
    size *= 2;
  mask = size - 1;
  head = malloc(size * sizeof *head);
  next = malloc(((size_t)n + 1) * sizeof *next);
  if (head == NULL || next == NULL) {
    free(head);
    free(next);
    return; /* drawn as if nothing arrived */
  }
  for (size_t b = 0; b < size; b++)
    head[b] = -1;
  for (int j = 0; j < n; j++) {
    int *link;
    if (strcmp(ev[j].ev, "seg") != 0 || !same_conn(ev[j].conn, conn))
      continue;
    link = &head[segment_bucket(&ev[j], mask)];
    if (strcmp(ev[j].dir, "out") == 0) {
      next[j] = *link;
      *link = j;
      continue;
    }
    if (strcmp(ev[j].dir, "in") != 0)
      continue;
    while (*link >= 0) {
      int i = *link;
      if (arrived[i]) {
        *link = next[i]; /* matched before: out of the chain */
        continue;
      }
      if (strcmp(ev[i].host, ev[j].host) != 0 && same_segment(&ev[i], &ev[j])) {
        arrived[i] = 1;
        *link = next[i];
        break;
      }
      link = &next[i];
    }
  }
  free(head);
  free(next);
}

/* One row of the diagram, whatever it is drawn on. */
enum row_kind { ROW_STATE, ROW_SEG, ROW_TIMER };

struct lrow {
  double t;
  enum row_kind kind;
  int client_side; /* the state, the timer, or the sender is the client */
  int lost;        /* ROW_SEG: never arrived */
  char text[64];   /* as the text ladder shows it, in its 43 columns */
  char svg[96];    /* the SVG's label: the note always fits there */
};

struct ladder {
  char cname[64], sname[64]; /* "10.0.0.1:58909", "10.0.0.2:80" */
  struct lrow *rows;
  int n;
  double t0; /* the time of the first row: times are shown from it */
};

void
sl__ladder_heading(int color, const char *client, const char *server)
{
  const struct style *st = style_of(color);

  printf("%8s %s%12s%s  %-*s  %s%s%s\n", "time", st->client, "client",
         st->reset, arrow_cols, "", st->server, "server", st->reset);
  printf("%8s %s%21s%s  %*s%s%s%s\n", "", st->client, client, st->reset,
         arrow_cols - 9, "", st->server, server, st->reset);
}

void
sl__ladder_arrow(int color, double t, const char *label, int from_client,
                 int lost)
{
  char line[ARROW_MAX + 1];

  arrow(line, label, from_client, lost);
  row(style_of(color), t, "", line, "");
}

void
sl__ladder_note(int color, double t, int client_side, const char *text)
{
  row(style_of(color), t, client_side ? text : "", "", client_side ? "" : text);
}

static void
render_text(const struct ladder *l, int color)
{
  /* Widen the arrows for a label that would not fit (absolute sequence
   * numbers), rather than cut it: the 80-column diagram stays as it was. */
  for (int i = 0; i < l->n; i++) {
    int need = (int)strlen(l->rows[i].text) + 6;
    if (l->rows[i].kind == ROW_SEG && need > arrow_cols)
      arrow_cols = need < ARROW_MAX ? need : ARROW_MAX;
  }
  sl__ladder_heading(color, l->cname, l->sname);
  for (int i = 0; i < l->n; i++) {
    const struct lrow *r = &l->rows[i];
    if (r->kind == ROW_SEG)
      sl__ladder_arrow(color, r->t, r->text, r->client_side, r->lost);
    else
      sl__ladder_note(color, r->t, r->client_side, r->text);
  }
  arrow_cols = ARROW;
}

/* The same diagram as a self-contained SVG: client red on the left,
 * server blue on the right, arrows slanting down as time passes. */
static int
render_svg(const struct ladder *l, const char *path)
{
  const int left = 230, right = 590, top = 80, step = 26, width = 820;
  const char *red = "#c0392b", *blue = "#2155a6";
  int height = top + step * (l->n + 1) + 20;
  FILE *f = fopen(path, "w");

  if (f == NULL) {
    perror(path);
    return 1;
  }
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" "
          "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"12\">\n"
          "<title>socklab ladder: ",
          width, height, width, height);
  sl__xml_str(f, l->cname);
  fputs(" - ", f);
  sl__xml_str(f, l->sname);
  fprintf(f,
          "</title>\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<defs>\n"
          "<marker id=\"r\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
          "refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" "
          "fill=\"%s\"/></marker>\n"
          "<marker id=\"b\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
          "refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" "
          "fill=\"%s\"/></marker>\n</defs>\n",
          red, blue);
  fprintf(f,
          "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" fill=\"%s\" "
          "font-weight=\"bold\">client ",
          left, red);
  sl__xml_str(f, l->cname);
  fprintf(f,
          "</text>\n"
          "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" fill=\"%s\" "
          "font-weight=\"bold\">server ",
          right, blue);
  sl__xml_str(f, l->sname);
  fprintf(f,
          "</text>\n"
          "<line x1=\"%d\" y1=\"50\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
          "stroke-width=\"3\"/>\n"
          "<line x1=\"%d\" y1=\"50\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
          "stroke-width=\"3\"/>\n"
          "<text x=\"10\" y=\"60\" fill=\"#777\">time (s)</text>\n",
          left, left, height - 10, red, right, right, height - 10, blue);
  for (int i = 0; i < l->n; i++) {
    const struct lrow *r = &l->rows[i];
    int y = top + step * i;
    const char *colour = r->client_side ? red : blue;

    fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#777\">%.4f</text>\n", y + 4,
            r->t);
    if (r->kind == ROW_SEG) {
      int x1 = r->client_side ? left : right;
      int x2 = r->client_side ? right : left;
      /* A lost segment stops two thirds of the way, with a cross. */
      int xe = r->lost ? x1 + (x2 - x1) * 2 / 3 : x2;
      int ye = r->lost ? y + 8 : y + 12;
      fprintf(f,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
              "stroke=\"%s\" stroke-width=\"1.5\"%s/>\n",
              x1, y, xe, ye, colour,
              r->lost          ? ""
              : r->client_side ? " marker-end=\"url(#r)\""
                               : " marker-end=\"url(#b)\"");
      if (r->lost)
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                "fill=\"%s\" font-weight=\"bold\">X</text>\n",
                xe, ye + 5, colour);
      fprintf(f,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
              "fill=\"%s\">",
              (left + right) / 2, y - 2, colour);
      sl__xml_str(f, r->svg);
      fputs("</text>\n", f);
    } else {
      fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\"%s>",
              r->client_side ? left - 10 : right + 10, y + 4,
              r->client_side ? "end" : "start", colour,
              r->kind == ROW_TIMER ? " font-style=\"italic\"" : "");
      sl__xml_str(f, r->text);
      fputs("</text>\n", f);
    }
  }
  fprintf(f, "</svg>\n");
  return fclose(f) == 0 ? 0 : 1;
}

/* Builds the rows of one connection: its states, the segments each side
 * sent (lost or not), and the timers that change what happens next. */
static int
build(struct event *ev, int n, const char *conn, int absolute, struct ladder *l)
{
  char client[16] = "", server[16] = "";
  char *used = calloc((size_t)n, 1); /* sends that arrived */
  int seen_client = 0, one_sided;
  const char *gt;

  l->rows = calloc((size_t)n + 1, sizeof *l->rows);
  l->n = 0;
  /* The client is whoever sent the first SYN without ACK. */
  for (int i = 0; i < n; i++)
    if (same_conn(ev[i].conn, conn) && strcmp(ev[i].ev, "seg") == 0 &&
        strcmp(ev[i].dir, "out") == 0 && strcmp(ev[i].flags, "S") == 0) {
      snprintf(client, sizeof client, "%s", ev[i].host);
      gt = strchr(ev[i].conn, '>');
      snprintf(l->cname, sizeof l->cname, "%.*s", (int)(gt - ev[i].conn),
               ev[i].conn);
      snprintf(l->sname, sizeof l->sname, "%s", gt + 1);
      break;
    }
  if (client[0] == '\0') /* only the server's trace: the SYN came in */
    for (int i = 0; i < n; i++)
      if (same_conn(ev[i].conn, conn) && strcmp(ev[i].ev, "seg") == 0 &&
          strcmp(ev[i].dir, "in") == 0 && strcmp(ev[i].flags, "S") == 0) {
        gt = strchr(ev[i].conn, '>');
        snprintf(l->cname, sizeof l->cname, "%s", gt + 1);
        snprintf(l->sname, sizeof l->sname, "%.*s", (int)(gt - ev[i].conn),
                 ev[i].conn);
        snprintf(client, sizeof client, "%.*s", (int)strcspn(l->cname, ":"),
                 l->cname);
        break;
      }
  if (client[0] == '\0' || used == NULL || l->rows == NULL) {
    fprintf(stderr,
            "socklab ladder: no SYN opens connection %s in the "
            "trace\n",
            conn);
    free(used);
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (same_conn(ev[i].conn, conn) && strcmp(ev[i].host, client) != 0) {
      snprintf(server, sizeof server, "%s", ev[i].host);
      break;
    }
  /* One process's trace alone: its own sends cannot be known lost, and
   * what it received is drawn from the other side. */
  for (int i = 0; i < n; i++)
    if (same_conn(ev[i].conn, conn))
      seen_client |= strcmp(ev[i].host, client) == 0;
  one_sided = !seen_client || server[0] == '\0';
  match_arrivals(ev, n, conn, used);
  for (int i = 0; i < n; i++) {
    struct event *e = &ev[i];
    struct lrow *r = &l->rows[l->n];
    int is_client = strcmp(e->host, client) == 0;
    double t0 = l->n > 0 ? l->t0 : e->t;

    if (!same_conn(e->conn, conn) &&
        !(strcmp(e->ev, "state") == 0 && strcmp(e->to, "LISTEN") == 0 &&
          !is_client && strcmp(e->host, server) == 0))
      continue;
    /* Time from the connection's first event: traces of processes start
     * at any point of the monotonic clock. */
    l->t0 = t0;
    r->t = e->t - t0;
    r->client_side = is_client;
    if (strcmp(e->ev, "state") == 0) {
      r->kind = ROW_STATE;
      snprintf(r->text, sizeof r->text, "%s", netstat_name(e->to));
      l->n++;
    } else if (strcmp(e->ev, "seg") == 0 &&
               (strcmp(e->dir, "out") == 0 || one_sided)) {
      r->kind = ROW_SEG;
      if (strcmp(e->dir, "in") == 0)
        r->client_side = !is_client; /* the peer sent it */
      r->lost = !one_sided && !used[i];
      seg_label(e, absolute, r->text, sizeof r->text);
      snprintf(r->svg, sizeof r->svg, "%s%s%s%s", r->text,
               e->note[0] ? " (" : "", e->note, e->note[0] ? ")" : "");
      if (e->note[0] != '\0' && strlen(r->svg) < 38)
        memcpy(r->text, r->svg, strlen(r->svg) + 1);
      l->n++;
    } else if (strcmp(e->ev, "timer") == 0 && strcmp(e->timer, "delack") != 0) {
      /* A timer that changes what happens next: a retransmission, a
       * probe, the end of TIME-WAIT. */
      r->kind = ROW_TIMER;
      snprintf(r->text, sizeof r->text, "(%s)", e->timer);
      l->n++;
    }
  }
  free(used);
  return 0;
}

/* Appends the events of trace f (named path) to (*ev)[*count...], growing
 * *ev (*cap events) as they come, up to MAX_EVENTS in all. */
static int
load(FILE *f, const char *path, struct event **ev, int *cap, int *count)
{
  char line[1024];
  int n = *count, lineno = 0;

  while (fgets(line, sizeof line, f) != NULL && n < MAX_EVENTS) {
    lineno++;
    if (line[0] == '\n')
      continue;
    if (n == *cap) {
      int more = *cap < MAX_EVENTS / 2 ? 2 * *cap : MAX_EVENTS;
      struct event *v = realloc(*ev, (size_t)more * sizeof *v);
      if (v == NULL) {
        fprintf(stderr, "socklab ladder: %s: out of memory\n", path);
        return -1;
      }
      *ev = v;
      *cap = more;
    }
    if (parse_line(line, &(*ev)[n]) < 0) {
      fprintf(stderr,
              "socklab ladder: %s, line %d is not a version-1 trace "
              "event (lib/obs/TRACE.md)\n",
              path, lineno);
      return -1;
    }
    (*ev)[n].order = n;
    n++;
  }
  *count = n;
  return 0;
}

static int
by_time(const void *a, const void *b)
{
  const struct event *x = a, *y = b;

  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->order - y->order;
}

/* The events of every trace, in time order: each process on socklab's
 * stack writes its own trace, on the same monotonic clock. */
static int
load_all(FILE *const *files, const char *const *names, int n_files,
         struct event **out, int *count)
{
  int n = 0, cap = 256;
  struct event *ev = malloc((size_t)cap * sizeof *ev);

  if (ev == NULL)
    return -1;
  for (int i = 0; i < n_files; i++)
    if (load(files[i], names[i], &ev, &cap, &n) < 0) {
      free(ev);
      return -1;
    }
  if (n_files > 1)
    qsort(ev, (size_t)n, sizeof *ev, by_time);
  *out = ev;
  *count = n;
  return 0;
}

int
sl__ladder_file(const char *path, int conn_no, int absolute, int color,
                const char *svg)
{
  return sl__ladder_files(&path, 1, conn_no, absolute, color, svg);
}

int
sl__ladder_files(const char *const *paths, int npaths, int conn_no,
                 int absolute, int color, const char *svg)
{
  FILE **files = calloc((size_t)npaths, sizeof *files);
  int i, r = 1;

  if (files == NULL)
    return 1;
  for (i = 0; i < npaths; i++) {
    files[i] = strcmp(paths[i], "-") == 0 ? stdin : fopen(paths[i], "r");
    if (files[i] == NULL) {
      perror(paths[i]);
      goto out;
    }
  }
  r = sl__ladder_streams(files, paths, npaths, conn_no, absolute, color, svg);
out:
  while (i-- > 0)
    if (files[i] != stdin)
      fclose(files[i]);
  free(files);
  return r;
}

int
sl__ladder_streams(FILE *const *files, const char *const *names, int nfiles,
                   int conn_no, int absolute, int color, const char *svg)
{
  struct event *ev;
  char conns[64][48];
  const char *path = names[0];
  int n, nconn = 0, r;

  if (load_all(files, names, nfiles, &ev, &n) < 0)
    return 1;
  /* Connections in order of their first SYN, sent or (in a server's
   * trace alone) received. */
  for (int i = 0; i < n && nconn < 64; i++) {
    int seen = 0;
    if (strcmp(ev[i].ev, "seg") != 0 || strcmp(ev[i].flags, "S") != 0 ||
        ev[i].conn[0] == '\0')
      continue;
    for (int k = 0; k < nconn; k++)
      seen |= same_conn(conns[k], ev[i].conn);
    if (!seen)
      snprintf(conns[nconn++], sizeof conns[0], "%s", ev[i].conn);
  }
  if (conn_no < 1 || conn_no > nconn) {
    fprintf(stderr,
            "socklab ladder: %s has %d connection%s; --conn %d "
            "does not name one\n",
            path, nconn, nconn == 1 ? "" : "s", conn_no);
    free(ev);
    return 1;
  }
  {
    struct ladder l;
    r = build(ev, n, conns[conn_no - 1], absolute, &l);
    if (r == 0 && svg != NULL)
      r = render_svg(&l, svg);
    else if (r == 0)
      render_text(&l, color);
    free(l.rows);
  }
  free(ev);
  return r;
}
