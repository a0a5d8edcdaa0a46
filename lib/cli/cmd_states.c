/* socklab states: the TCP state diagram of RFC 9293 (section 3.3.2,
 * Figure 5), with the states and transitions each side of a run visited
 * highlighted -- the client red, the server blue, as in the lecture notes.
 * Text for a terminal, or a self-contained SVG laid out by hand like the
 * RFC's figure. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "obs/trace.h"
#include "obs/xml.h"
#include "socklab/tcp.h"

/* The diagram's boxes: one per state, in RFC order (their names come from
 * the one table of them, socklab/tcp.h), and a second CLOSED box at the
 * bottom, as in the figure. */
enum {
  CLOSED = SL_TCP_CLOSED,
  LISTEN = SL_TCP_LISTEN,
  SYN_SENT = SL_TCP_SYN_SENT,
  SYN_RCVD = SL_TCP_SYN_RECEIVED,
  ESTAB = SL_TCP_ESTABLISHED,
  FIN_WAIT_1 = SL_TCP_FIN_WAIT_1,
  FIN_WAIT_2 = SL_TCP_FIN_WAIT_2,
  CLOSE_WAIT = SL_TCP_CLOSE_WAIT,
  CLOSING = SL_TCP_CLOSING,
  LAST_ACK = SL_TCP_LAST_ACK,
  TIME_WAIT = SL_TCP_TIME_WAIT,
  CLOSED_END = SL_TCP_NSTATES, /* the second CLOSED box */
  NBOXES
};

static const char *
rfc_name(int state)
{
  return sl_tcp_state_rfc((enum sl_tcp_state)state);
}

static const char *
netstat_name(int state)
{
  return sl_tcp_state_netstat((enum sl_tcp_state)state);
}

/* Where each box is drawn: its centre.  Three columns, seven rows. */
#define BOX_W 150
#define BOX_H 44
static const int box_xy[NBOXES][2] = {
    {520, 90},  {520, 200}, {880, 330}, {160, 330}, {520, 450}, {160, 570},
    {160, 690}, {880, 570}, {520, 690}, {880, 690}, {520, 810}, {880, 810}};

/* The transitions of the figure: "event / action" as the RFC writes them
 * above and below its bar, and the line drawn for each (up to 4 points).
 * The last one is not in the RFC's figure but is in its text. */
struct edge {
  int from, to; /* boxes */
  const char *label;
  int npts;
  int pts[4][2];
  int lx, ly; /* the label's anchor */
  const char *anchor;
  int angle; /* the label's rotation in degrees, 0 for none */
};

static const struct edge edges[] = {
    {CLOSED,
     LISTEN,
     "passive OPEN / create TCB",
     2,
     {{505, 112}, {505, 178}},
     497,
     150,
     "end",
     0},
    {LISTEN,
     CLOSED,
     "CLOSE / delete TCB",
     2,
     {{535, 178}, {535, 112}},
     543,
     150,
     "start",
     0},
    {CLOSED,
     SYN_SENT,
     "active OPEN / create TCB, snd SYN",
     3,
     {{595, 80}, {930, 80}, {930, 308}},
     762,
     72,
     "middle",
     0},
    {SYN_SENT,
     CLOSED,
     "CLOSE / delete TCB",
     3,
     {{900, 308}, {900, 100}, {595, 100}},
     745,
     118,
     "middle",
     0},
    {LISTEN,
     SYN_RCVD,
     "rcv SYN / snd SYN,ACK",
     3,
     {{445, 214}, {190, 214}, {190, 308}},
     300,
     232,
     "middle",
     0},
    {LISTEN,
     SYN_SENT,
     "SEND / snd SYN",
     3,
     {{595, 214}, {850, 214}, {850, 308}},
     722,
     206,
     "middle",
     0},
    {SYN_SENT,
     SYN_RCVD,
     "rcv SYN / snd SYN,ACK",
     2,
     {{805, 326}, {235, 326}},
     520,
     318,
     "middle",
     0},
    {SYN_RCVD,
     LISTEN,
     "rcv RST (after passive OPEN)",
     3,
     {{130, 308}, {130, 190}, {445, 190}},
     300,
     182,
     "middle",
     0},
    {SYN_RCVD,
     ESTAB,
     "rcv ACK of SYN",
     2,
     {{235, 344}, {445, 440}},
     330,
     410,
     "end",
     0},
    {SYN_SENT,
     ESTAB,
     "rcv SYN,ACK / snd ACK",
     2,
     {{805, 344}, {595, 440}},
     710,
     410,
     "start",
     0},
    {SYN_RCVD,
     FIN_WAIT_1,
     "CLOSE / snd FIN",
     2,
     {{130, 352}, {130, 548}},
     122,
     450,
     "end",
     0},
    {ESTAB,
     FIN_WAIT_1,
     "CLOSE / snd FIN",
     2,
     {{445, 460}, {235, 560}},
     335,
     530,
     "start",
     0},
    {ESTAB,
     CLOSE_WAIT,
     "rcv FIN / snd ACK",
     2,
     {{595, 460}, {805, 560}},
     705,
     530,
     "end",
     0},
    {FIN_WAIT_1,
     FIN_WAIT_2,
     "rcv ACK of FIN",
     2,
     {{130, 592}, {130, 668}},
     122,
     634,
     "end",
     0},
    {FIN_WAIT_1,
     CLOSING,
     "rcv FIN / snd ACK",
     2,
     {{235, 576}, {445, 676}},
     400,
     628,
     "start",
     0},
    {CLOSE_WAIT,
     LAST_ACK,
     "CLOSE / snd FIN",
     2,
     {{880, 592}, {880, 668}},
     890,
     634,
     "start",
     0},
    {FIN_WAIT_2,
     TIME_WAIT,
     "rcv FIN / snd ACK",
     3,
     {{130, 712}, {130, 820}, {445, 820}},
     300,
     838,
     "middle",
     0},
    {CLOSING,
     TIME_WAIT,
     "rcv ACK of FIN",
     2,
     {{520, 712}, {520, 788}},
     530,
     754,
     "start",
     0},
    {LAST_ACK,
     CLOSED_END,
     "rcv ACK of FIN",
     2,
     {{880, 712}, {880, 788}},
     890,
     754,
     "start",
     0},
    {TIME_WAIT,
     CLOSED_END,
     "2MSL timeout / delete TCB",
     2,
     {{595, 810}, {805, 810}},
     700,
     802,
     "middle",
     0},
    /* RFC 9293 3.10.7.4, FIN-WAIT-1: "If our FIN has been ACKed (perhaps
     * in this segment), then enter TIME-WAIT". */
    {FIN_WAIT_1,
     TIME_WAIT,
     "rcv FIN,ACK of FIN / snd ACK",
     2,
     {{190, 592}, {445, 798}},
     292,
     692,
     "middle",
     39},
};
#define NEDGES ((int)(sizeof edges / sizeof edges[0]))

enum { CLIENT, SERVER, NROLES };

#define MAX_HOSTS 16
#define PATH_LEN  512
#define MAX_OTHER 8

/* What each side did: the boxes it was in, the edges it took, its first
 * connection's states in order, and transitions the figure has no line
 * for (a reset, a timeout in SYN-SENT). */
struct side {
  char host[MAX_HOSTS][16];
  int nhost;
  int box[NBOXES];
  int edge[NEDGES];
  char conn[48];       /* its first connection */
  char path[PATH_LEN]; /* "CLOSED -> SYN-SENT -> ..." */
  int last;            /* the state the path ends in, -1 for none yet */
  char other[MAX_OTHER][40];
  int nother;
  int nconn;
};

struct run {
  struct side side[NROLES];
  char client_host[MAX_HOSTS][16]; /* hosts that opened actively */
  int nclient;
};

static int
state_index(const char *name)
{
  for (int i = 0; i < SL_TCP_NSTATES; i++)
    if (strcmp(name, rfc_name(i)) == 0)
      return i;
  return -1;
}

static int
is_client_host(const struct run *r, const char *host)
{
  for (int i = 0; i < r->nclient; i++)
    if (strcmp(r->client_host[i], host) == 0)
      return 1;
  return 0;
}

static void
add_host(struct side *s, const char *host)
{
  for (int i = 0; i < s->nhost; i++)
    if (strcmp(s->host[i], host) == 0)
      return;
  if (s->nhost < MAX_HOSTS)
    snprintf(s->host[s->nhost++], sizeof s->host[0], "%s", host);
}

static void
path_add(struct side *s, int from, int to)
{
  size_t n = strlen(s->path);

  if (s->last != from)
    n += (size_t)snprintf(s->path + n, sizeof s->path - n, "%s%s",
                          s->last < 0 ? "" : "; ", rfc_name(from));
  if (n < sizeof s->path)
    snprintf(s->path + n, sizeof s->path - n, " -> %s", rfc_name(to));
  s->last = to;
}

/* A listener's conn is "0.0.0.0:PORT>0.0.0.0:0". */
static int
is_listener(const char *conn)
{
  const char *gt = strchr(conn, '>');

  return gt != NULL && strcmp(gt + 1, "0.0.0.0:0") == 0;
}

/* One state change: which box, which edge, and the path of the side's
 * first connection (and its listener). */
static void
visit(struct side *s, const char *conn, int from, int to)
{
  int fbox = from, tbox = to, found = 0;

  /* The figure ends at its second CLOSED box after LAST-ACK and
   * TIME-WAIT; every other way to CLOSED leads back to the first. */
  if (to == CLOSED && (from == LAST_ACK || from == TIME_WAIT))
    tbox = CLOSED_END;
  s->box[fbox] = s->box[tbox] = 1;
  for (int e = 0; e < NEDGES; e++)
    if (edges[e].from == fbox && edges[e].to == tbox) {
      s->edge[e] = 1;
      found = 1;
    }
  if (!found && s->nother < MAX_OTHER) {
    char t[40];
    int dup = 0;
    snprintf(t, sizeof t, "%s -> %s", rfc_name(from), rfc_name(to));
    for (int i = 0; i < s->nother; i++)
      dup |= strcmp(s->other[i], t) == 0;
    if (!dup)
      memcpy(s->other[s->nother++], t, sizeof t);
  }
  if (!is_listener(conn)) {
    if (s->conn[0] == '\0') {
      snprintf(s->conn, sizeof s->conn, "%s", conn);
      s->nconn = 1;
    } else if (strcmp(s->conn, conn) != 0 &&
               (to == SYN_SENT || to == SYN_RCVD)) {
      s->nconn++; /* another connection opens */
    }
    if (strcmp(s->conn, conn) != 0)
      return;
  }
  path_add(s, from, to);
}

/* Reads the traces: first which hosts open connections (a SYN without
 * ACK sent, or SYN-SENT entered), then every state change. */
static int
read_traces(const char *const *paths, int npaths, struct run *r)
{
  char line[1024], host[16], flags[8], dir[4], ev[8], conn[48];
  char from[16], to[16];

  for (int pass = 0; pass < 2; pass++)
    for (int p = 0; p < npaths; p++) {
      FILE *f = fopen(paths[p], "r");
      int lineno = 0;
      if (f == NULL) {
        perror(paths[p]);
        return -1;
      }
      while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        if (line[0] == '\n')
          continue;
        if (strncmp(line, "{\"v\":1,", 7) != 0) {
          fprintf(stderr,
                  "socklab states: %s, line %d is not a version-1 "
                  "trace event (lib/obs/TRACE.md)\n",
                  paths[p], lineno);
          fclose(f);
          return -1;
        }
        sl__trace_field_str(line, "host", host, sizeof host);
        sl__trace_field_str(line, "ev", ev, sizeof ev);
        sl__trace_field_str(line, "conn", conn, sizeof conn);
        sl__trace_field_str(line, "from", from, sizeof from);
        sl__trace_field_str(line, "to", to, sizeof to);
        sl__trace_field_str(line, "flags", flags, sizeof flags);
        sl__trace_field_str(line, "dir", dir, sizeof dir);
        if (pass == 0) {
          int opens = (strcmp(ev, "seg") == 0 && strcmp(dir, "out") == 0 &&
                       strcmp(flags, "S") == 0) ||
                      (strcmp(ev, "state") == 0 && strcmp(to, "SYN-SENT") == 0);
          if (opens && !is_client_host(r, host) && r->nclient < MAX_HOSTS)
            snprintf(r->client_host[r->nclient++], sizeof r->client_host[0],
                     "%s", host);
        } else if (strcmp(ev, "state") == 0) {
          int fi = state_index(from), ti = state_index(to);
          struct side *s = &r->side[is_client_host(r, host) ? CLIENT : SERVER];
          if (fi < 0 || ti < 0) {
            fprintf(stderr, "socklab states: %s, line %d: unknown state\n",
                    paths[p], lineno);
            fclose(f);
            return -1;
          }
          add_host(s, host);
          visit(s, conn, fi, ti);
        }
      }
      fclose(f);
    }
  return 0;
}

/* ---- text --------------------------------------------------------------- */

static void
print_side(const struct side *s, const char *role)
{
  printf("%s", role);
  for (int i = 0; i < s->nhost; i++)
    printf("%s%s", i ? ", " : " ", s->host[i]);
  if (s->nhost == 0) {
    printf(": not in the trace\n");
    return;
  }
  printf(":\n  %s\n", s->path);
  if (s->nconn > 1)
    printf("  (the first of %d connections; all of them are counted "
           "below)\n",
           s->nconn);
  for (int i = 0; i < s->nother; i++)
    printf("  not in the RFC's figure: %s\n", s->other[i]);
}

static void
render_text(const struct run *r)
{
  print_side(&r->side[CLIENT], "client");
  print_side(&r->side[SERVER], "server");
  printf("\n%-14s %-12s %-7s %s\n", "RFC 9293", "netstat", "client", "server");
  for (int i = 0; i < SL_TCP_NSTATES; i++) {
    const struct side *c = &r->side[CLIENT], *v = &r->side[SERVER];
    int cv = c->box[i] || (i == CLOSED && c->box[CLOSED_END]);
    int sv = v->box[i] || (i == CLOSED && v->box[CLOSED_END]);
    printf("%-14s %-12s %-7s %s\n", rfc_name(i), netstat_name(i),
           cv ? "yes" : "-", sv ? "yes" : "-");
  }
}

/* ---- SVG ---------------------------------------------------------------- */

#define RED       "#c0392b"
#define BLUE      "#2155a6"
#define GREY      "#9a9a9a"
#define RED_TINT  "#f6d5d1"
#define BLUE_TINT "#d3def2"

static void
svg_box(FILE *f, int b, int client, int server)
{
  int x = box_xy[b][0] - BOX_W / 2, y = box_xy[b][1] - BOX_H / 2;
  int state = b == CLOSED_END ? CLOSED : b;
  const char *stroke = client && server ? "#333"
                       : client         ? RED
                       : server         ? BLUE
                                        : GREY;

  fprintf(f, "<g id=\"s-%s%s\" class=\"state%s%s%s\">\n", rfc_name(state),
          b == CLOSED_END ? "-end" : "", client ? " client" : "",
          server ? " server" : "", client || server ? "" : " unvisited");
  if (client && server)
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"%s\"/>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
            "height=\"%d\" fill=\"%s\"/>\n",
            x, y, BOX_W / 2, BOX_H, RED_TINT, x + BOX_W / 2, y, BOX_W / 2,
            BOX_H, BLUE_TINT);
  fprintf(f,
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" "
          "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
          x, y, BOX_W, BOX_H,
          client && server ? "none"
          : client         ? RED_TINT
          : server         ? BLUE_TINT
                           : "white",
          stroke, client || server ? "2.5" : "1");
  fprintf(f,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"15\" "
          "font-weight=\"bold\" fill=\"%s\">%s</text>\n"
          "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
          "fill=\"%s\">%s</text>\n</g>\n",
          box_xy[b][0], box_xy[b][1] - 2, client || server ? "#111" : "#888",
          rfc_name(state), box_xy[b][0], box_xy[b][1] + 14,
          client || server ? "#333" : "#aaa", netstat_name(state));
}

static void
svg_line(FILE *f, const struct edge *e, const char *colour, const char *width,
         const char *marker, const char *dash)
{
  fprintf(f, "<polyline points=\"");
  for (int i = 0; i < e->npts; i++)
    fprintf(f, "%s%d,%d", i ? " " : "", e->pts[i][0], e->pts[i][1]);
  fprintf(f,
          "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
          "marker-end=\"url(#%s)\"/>\n",
          colour, width, dash, marker);
}

static void
svg_edge(FILE *f, int i, int client, int server)
{
  const struct edge *e = &edges[i];
  const char *dashed = i == NEDGES - 1 ? " stroke-dasharray=\"3 3\"" : "";

  fprintf(f, "<g id=\"e-%s-%s\" class=\"edge%s%s%s\">\n", rfc_name(e->from),
          e->to == CLOSED_END ? "CLOSED" : rfc_name(e->to),
          client ? " client" : "", server ? " server" : "",
          client || server ? "" : " unvisited");
  if (!client && !server)
    svg_line(f, e, GREY, "1.2", "g", dashed);
  if (client)
    svg_line(f, e, RED, "3", "r", "");
  if (server) /* over the red: a red and blue striped line when both */
    svg_line(f, e, BLUE, "3", "b", client ? " stroke-dasharray=\"9 9\"" : "");
  fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\"", e->lx, e->ly,
          e->anchor);
  if (e->angle != 0)
    fprintf(f, " transform=\"rotate(%d %d %d)\"", e->angle, e->lx, e->ly);
  fprintf(f, " fill=\"%s\">%s</text>\n</g>\n",
          client || server ? "#111" : "#777", e->label);
}

static void
svg_legend(FILE *f, const struct side *s, const char *role, const char *colour,
           int y)
{
  fprintf(f, "<text x=\"20\" y=\"%d\" fill=\"%s\" font-weight=\"bold\">%s", y,
          colour, role);
  for (int i = 0; i < s->nhost; i++) {
    fputs(i ? ", " : " ", f);
    sl__xml_str(f, s->host[i]); /* from the trace: escaped */
  }
  fprintf(f, ":</text>\n<text x=\"20\" y=\"%d\" fill=\"%s\">", y + 18, colour);
  sl__xml_str(f, s->nhost ? s->path : "not in the trace");
  fprintf(f, "%s</text>\n", s->nconn > 1 ? " (its first connection)" : "");
  for (int i = 0; i < s->nother; i++) {
    fprintf(f, "<text x=\"20\" y=\"%d\" fill=\"%s\">not in the RFC's figure: ",
            y + 36 + 18 * i, colour);
    sl__xml_str(f, s->other[i]);
    fputs("</text>\n", f);
  }
}

static int
render_svg(const struct run *r, const char *path)
{
  const struct side *c = &r->side[CLIENT], *v = &r->side[SERVER];
  int extra = c->nother + v->nother;
  int width = 1040, height = 960 + 18 * extra;
  FILE *f = fopen(path, "w");

  if (f == NULL) {
    perror(path);
    return 1;
  }
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" "
          "font-family=\"DejaVu Sans, Arial, sans-serif\" "
          "font-size=\"12\">\n"
          "<title>RFC 9293 TCP states: what a run visited</title>\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<defs>\n",
          width, height, width, height);
  static const char *const markers[][2] = {
      {"r", RED}, {"b", BLUE}, {"g", GREY}};
  for (int i = 0; i < 3; i++)
    fprintf(f,
            "<marker id=\"%s\" markerWidth=\"10\" markerHeight=\"8\" "
            "refX=\"9\" refY=\"4\" orient=\"auto\" "
            "markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L10,4 L0,8 z\" "
            "fill=\"%s\"/></marker>\n",
            markers[i][0], markers[i][1]);
  fprintf(f, "</defs>\n<text x=\"20\" y=\"28\" font-size=\"16\" "
             "font-weight=\"bold\">TCP states (RFC 9293, 3.3.2)</text>\n"
             "<text x=\"20\" y=\"46\" fill=\"#555\">red: the client, "
             "blue: the server</text>\n");
  for (int i = 0; i < NEDGES; i++)
    svg_edge(f, i, c->edge[i], v->edge[i]);
  for (int b = 0; b < NBOXES; b++)
    svg_box(f, b, c->box[b], v->box[b]);
  fprintf(f,
          "<text x=\"%d\" y=\"%d\" fill=\"#555\" font-size=\"11\">dotted: "
          "FIN and ACK of our FIN together (RFC 9293, 3.10.7.4; not "
          "drawn in its figure)</text>\n",
          20, 874);
  svg_legend(f, c, "client", RED, 900);
  svg_legend(f, v, "server", BLUE, 940 + 18 * c->nother);
  fprintf(f, "</svg>\n");
  return fclose(f) == 0 ? 0 : 1;
}

static void
usage(FILE *out)
{
  fprintf(out,
          "usage: socklab states TRACE... [--svg FILE]\n"
          "The TCP state diagram of RFC 9293 with what each side of a run "
          "visited:\nthe states it was in and the transitions it took, the "
          "client red, the\nserver blue (the client is the host that sent "
          "a SYN first).  Without\n--svg, the same as text.  Give the "
          "traces of both processes to see both\nsides.\n");
}

int
cli_states(int argc, char **argv)
{
  static const struct option opts[] = {{"svg", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *svg = NULL;
  struct run *r;
  int opt, status;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 's':
      svg = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (argc - optind < 1) {
    usage(stderr);
    return 2;
  }
  r = calloc(1, sizeof *r);
  if (r == NULL) {
    perror("socklab states");
    return 1;
  }
  r->side[CLIENT].last = r->side[SERVER].last = -1;
  if (read_traces((const char *const *)argv + optind, argc - optind, r) < 0)
    status = 1;
  else if (r->side[CLIENT].nhost + r->side[SERVER].nhost == 0) {
    fprintf(stderr, "socklab states: no TCP state change in the trace\n");
    status = 1;
  } else if (svg != NULL)
    status = render_svg(r, svg);
  else {
    render_text(r);
    status = 0;
  }
  free(r);
  return status;
}
