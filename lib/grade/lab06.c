/* lab06-reliable-transfer: file_server PORT DIR (one client at a time;
 * files framed as a 4-byte big-endian name length, the name, an 8-byte
 * big-endian size and the bytes; "OK K\n" after the client's shutdown)
 * and file_client HOST PORT FILE...  labs/README.md has the interface.
 *
 * The grader speaks the protocol itself, as a client and as a server, so
 * that each test checks one thing: a server that reads lengths in the
 * host's byte order loses the tests with the reference programs, and the
 * framing tests speak its order to check the framing alone. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"
#include "obs/export.h"
#include "socklab.h"

static const char *const programs[] = {"file_server", "file_client", NULL};

enum { NAME_MAX_LEN = 255, MAX_FILES = 8 };

/* ---- files --------------------------------------------------------------- */

struct file {
  char name[320]; /* as it travels: the base name */
  unsigned char *data;
  size_t size;
};

static void
make_file(struct gr_ctx *c, struct file *f, const char *name, size_t size)
{
  snprintf(f->name, sizeof f->name, "%s", name);
  f->size = size;
  f->data = malloc(size + 8);
  if (f->data == NULL) {
    gr_say(c, "grader: out of memory");
    gr_end(c);
  }
  for (size_t i = 0; i < size; i += 8) {
    uint64_t r = gr_rand(c, 0);
    memcpy(f->data + i, &r, 8);
  }
}

static void
free_files(struct file *f, int n)
{
  for (int i = 0; i < n; i++)
    free(f[i].data);
}

/* The files most tests send: a few bytes, none, some KB, some MB.  The big
 * one comes last, so that no header follows megabytes of data: where the
 * stack cuts a long stream into segments is not the test's to choose. */
static int
standard_files(struct gr_ctx *c, struct file *f)
{
  char name[64];

  snprintf(name, sizeof name, "notes-%d.txt", (int)gr_rand(c, 100));
  make_file(c, &f[0], name, 1 + gr_rand(c, 200));
  make_file(c, &f[1], "empty.dat", 0);
  snprintf(name, sizeof name, "medium-%d.bin", (int)gr_rand(c, 100));
  make_file(c, &f[2], name, 10000 + gr_rand(c, 30000));
  make_file(c, &f[3], "big.bin", (2 << 20) + gr_rand(c, 1 << 20));
  return 4;
}

/* A directory in the test's own, writable by the programs. */
static const char *
make_dir(struct gr_ctx *c, const char *name, char *path, size_t len)
{
  snprintf(path, len, "%s/%s", c->work, name);
  if (mkdir(path, 0755) < 0 && errno != EEXIST) {
    gr_say(c, "grader: mkdir %s: %s", path, strerror(errno));
    gr_end(c);
  }
  if (c->isolated && chown(path, c->run_uid, c->run_gid) < 0) {
    gr_say(c, "grader: chown %s: %s", path, strerror(errno));
    gr_end(c);
  }
  return path;
}

/* Writes f into the test's directory as path (relative), for a client. */
static void
save_input(struct gr_ctx *c, const struct file *f, const char *path)
{
  char full[600];
  FILE *out;

  snprintf(full, sizeof full, "%s/%s", c->work, path);
  if ((out = fopen(full, "wb")) == NULL ||
      fwrite(f->data, 1, f->size, out) != f->size || fclose(out) != 0) {
    gr_say(c, "grader: cannot write %s", full);
    gr_end(c);
  }
}

static int
exists(const char *dir, const char *name)
{
  char path[700];

  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

/* How many of the files are in dir, identical; the first that is not is
 * described. */
static int
check_received(struct gr_ctx *c, const char *dir, const struct file *f, int n,
               const char *server)
{
  int ok = 0, said = 0;

  for (int i = 0; i < n; i++) {
    char path[700];
    size_t len = 0, at = 0;
    char *got;
    snprintf(path, sizeof path, "%s/%s", dir, f[i].name);
    got = gr_slurp(path, &len);
    if (got != NULL && len == f[i].size &&
        memcmp(got, f[i].data, f[i].size) == 0) {
      ok++;
    } else if (!said++) {
      if (got == NULL) {
        gr_say(c, "%s wrote no file %s (%zu bytes) into its directory.", server,
               f[i].name, f[i].size);
      } else {
        while (at < len && at < f[i].size &&
               (unsigned char)got[at] == f[i].data[at])
          at++;
        gr_say(c,
               "%s wrote %s with %zu bytes; expected %zu. The first "
               "difference is at byte %zu%s (cmp shows it).",
               server, f[i].name, len, f[i].size, at,
               at == len || at == f[i].size ? ", where one of them ends" : "");
      }
    }
    free(got);
  }
  if (ok < n)
    gr_say(c, "%d of %d files arrived identical.", ok, n);
  return ok;
}

/* ---- the protocol, spoken by the grader ---------------------------------- */

enum order { BIG, LITTLE };

static void
put_n(struct gr_buf *b, uint64_t v, int n, enum order o)
{
  unsigned char p[8];

  for (int i = 0; i < n; i++)
    p[o == BIG ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
  gr_buf_add(b, (const char *)p, (size_t)n);
}

static uint64_t
get_n(const unsigned char *p, int n, enum order o)
{
  uint64_t v = 0;

  for (int i = 0; i < n; i++)
    v = v << 8 | p[o == BIG ? i : n - 1 - i];
  return v;
}

/* The header of a file; name_len is what the length field says. */
static void
put_header(struct gr_buf *b, const char *name, size_t name_len, uint64_t size,
           enum order o)
{
  put_n(b, name_len, 4, o);
  gr_buf_add(b, name, strlen(name));
  put_n(b, size, 8, o);
}

static void
put_frame(struct gr_buf *b, const struct file *f, enum order o)
{
  put_header(b, f->name, strlen(f->name), f->size, o);
  gr_buf_add(b, (const char *)f->data, f->size);
}

/* Reads until the peer closes (or resets), or seconds pass.  Returns the
 * bytes read into buf (NUL-terminated); *closed says whether it closed. */
static size_t
read_until_close(struct gr_ctx *c, int fd, char *buf, size_t len,
                 double seconds, int *closed)
{
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);
  size_t got = 0;

  *closed = 0;
  while (gr_left_ms(c) > until && gr_left_ms(c) > 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char junk[512];
    ssize_t n;
    if (sl_poll(&p, 1, 20) <= 0)
      continue;
    n = got + 1 < len ? sl_recv(fd, buf + got, len - 1 - got, 0)
                      : sl_recv(fd, junk, sizeof junk, 0);
    if (n <= 0) {
      *closed = 1;
      break;
    }
    if (got + 1 < len)
      got += (size_t)n;
  }
  buf[got] = '\0';
  return got;
}

/* One client of the grader's: connects, sends bytes, shuts down its
 * sending side, and reads the reply until the server closes. */
static int
session(struct gr_ctx *c, int port, const void *bytes, size_t len, char *reply,
        size_t rlen)
{
  int fd = gr_connect(c, port), closed;

  if (len > 0)
    sl_writen(fd, bytes, len); /* a server that refuses may reset us */
  sl_shutdown(fd, SHUT_WR);
  /* On a lossy link a lost segment costs a retransmission timeout (1 s
   * for a SYN, doubling), and socklab's stack sometimes waits 10-30 s for
   * one (RTT samples that include a hole's repair inflate the RTO), so
   * wait long there: only a wrong server waits it all out. */
  read_until_close(c, fd, reply, rlen, c->stack == GR_USER ? 30 : 3, &closed);
  sl_close(fd);
  return closed;
}

/* "OK 1\n" and nothing else? */
static int
reply_is(const char *reply, int k)
{
  char want[32];

  snprintf(want, sizeof want, "OK %d\n", k);
  return strcmp(reply, want) == 0;
}

/* The byte order the student's server reads lengths in, from a transfer of
 * one small file in each.  *works is 0 when it took neither; the order is
 * then BIG.  what is what the caller can no longer check then (NULL: the
 * caller goes on, and nothing is said). */
static enum order
server_order(struct gr_ctx *c, int port, const char *what, int *works)
{
  struct file f = {0};
  char reply[64];
  enum order found = BIG;

  *works = 0;
  make_file(c, &f, "probe.txt", 6);
  memcpy(f.data, "probe\n", 6);
  for (int o = BIG; o <= LITTLE && !*works; o++) {
    struct gr_buf b = {0};
    put_frame(&b, &f, (enum order)o);
    session(c, port, b.s, b.len, reply, sizeof reply);
    gr_buf_free(&b);
    if (reply_is(reply, 1)) {
      *works = 1;
      found = (enum order)o;
    }
  }
  free_files(&f, 1);
  if (what == NULL)
    return found;
  if (!*works)
    gr_say(c,
           "Your file_server did not accept one 6-byte file (no \"OK 1\" "
           "reply after the grader's shutdown), so this test cannot check "
           "%s. server_with_reference_client shows what goes wrong.",
           what);
  else if (found == LITTLE)
    gr_say(c, "(Your file_server reads lengths in the host's byte order, "
              "little-endian here; the protocol's is big-endian, and the "
              "tests with the reference client count it. This test speaks "
              "your server's order, to check the rest.)");
  return found;
}

/* Waits until the peer acknowledged all we sent on fd (socklab's stack),
 * so that what we write next starts a segment of its own. */
static void
wait_acked(struct gr_ctx *c, int fd, double seconds)
{
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);
  unsigned want = (unsigned)sl_local_port(fd);

  while (c->stack == GR_USER && gr_left_ms(c) > until && gr_left_ms(c) > 0) {
    char *text = NULL, line[512];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int queued = 1;
    if (f == NULL)
      return;
    sl__export_answer_self("DUMP\n", f);
    fclose(f);
    f = fmemopen(text, len, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
      unsigned lport, sendq;
      if (sscanf(line, "tcp %*s %*s %u %*s %*u %u", &lport, &sendq) == 2 &&
          lport == want)
        queued = sendq > 0;
    }
    if (f != NULL)
      fclose(f);
    free(text);
    if (!queued)
      return;
    usleep(5000);
  }
}

/* ---- the grader as the server, for the student's client ------------------ */

/* Accepts the client's connection and reads all it sends until its end of
 * file, or seconds.  Returns the connection, or -1 (said). */
static int
take_upload(struct gr_ctx *c, int lfd, struct gr_proc *cl, struct gr_buf *in,
            int *eof, double seconds)
{
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);
  int fd = -1;

  *eof = 0;
  while (fd < 0 && gr_left_ms(c) > until && gr_left_ms(c) > 0) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (sl_poll(&p, 1, 20) > 0)
      fd = sl_accept(lfd, NULL, NULL);
    else if (!gr_running(cl))
      break;
  }
  if (fd < 0) {
    char how[200];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c, "%s never connected to the grader's server (it %s).", cl->label,
           how);
    gr_show_stderr(c, cl);
    return -1;
  }
  while (gr_left_ms(c) > until && gr_left_ms(c) > 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char chunk[16384];
    ssize_t n;
    if (sl_poll(&p, 1, 20) <= 0)
      continue;
    if ((n = sl_recv(fd, chunk, sizeof chunk, 0)) <= 0) {
      *eof = n == 0;
      break;
    }
    gr_buf_add(in, chunk, (size_t)n);
  }
  return fd;
}

static void
hex_bytes(const unsigned char *p, size_t n, char *out, size_t len)
{
  size_t at = 0;

  out[0] = '\0';
  for (size_t i = 0; i < n && at + 4 < len; i++)
    at += (size_t)snprintf(out + at, len - at, "%s%02x", i ? " " : "", p[i]);
}

/* What the parse of a client's stream found. */
struct upload {
  int files;     /* of the expected ones, arrived identical */
  int order;     /* BIG or LITTLE, -1: no length at all */
  int full_path; /* a name was sent with its directories */
};

/* Parses the frames in s against the expected files (sent_as[i] is the
 * path the client was given for want[i]). */
static struct upload
parse_upload(struct gr_ctx *c, const unsigned char *s, size_t len,
             const struct file *want, const char *const *sent_as, int n)
{
  struct upload u = {0, -1, 0};
  size_t pos = 0;
  char hex[64];

  if (len < 4) {
    gr_say(c,
           "Your file_client sent %zu byte%s in all: not even a name "
           "length.",
           len, len == 1 ? "" : "s");
    return u;
  }
  if (get_n(s, 4, BIG) >= 1 && get_n(s, 4, BIG) <= NAME_MAX_LEN) {
    u.order = BIG;
  } else if (get_n(s, 4, LITTLE) >= 1 && get_n(s, 4, LITTLE) <= NAME_MAX_LEN) {
    u.order = LITTLE;
    hex_bytes(s, 4, hex, sizeof hex);
    gr_say(c,
           "Your file_client sent the first name length as %s: that is %u "
           "in little-endian, the host's order. The protocol is big-endian "
           "(network order): 00 00 00 %02x. Build it with shifts (or "
           "htonl), never by copying an integer's memory.",
           hex, (unsigned)get_n(s, 4, LITTLE), s[0]);
  } else {
    hex_bytes(s, len < 16 ? len : 16, hex, sizeof hex);
    gr_say(c,
           "Your file_client's first bytes are %s: the first 4 should be "
           "the name length, big-endian, from 1 to 255 (for \"%s\": 00 00 00 "
           "%02x).",
           hex, want[0].name, (unsigned)strlen(want[0].name));
    return u;
  }
  for (int i = 0; i < n; i++) {
    uint64_t nlen, size;
    const char *name;
    if (len - pos < 4) {
      gr_say(c,
             "Your file_client's stream ended after %d file%s; expected "
             "%d.",
             i, i == 1 ? "" : "s", n);
      return u;
    }
    nlen = get_n(s + pos, 4, (enum order)u.order);
    if (nlen < 1 || nlen > NAME_MAX_LEN || len - pos - 4 < nlen + 8) {
      hex_bytes(s + pos, 4, hex, sizeof hex);
      gr_say(c,
             "Where the header of file %d (%s) should start, at byte %zu of "
             "the stream, your file_client sent %s: not a name length "
             "followed by a name and a size.",
             i + 1, want[i].name, pos, hex);
      return u;
    }
    name = (const char *)s + pos + 4;
    size = get_n(s + pos + 4 + nlen, 8, (enum order)u.order);
    if (nlen == strlen(sent_as[i]) && strcmp(sent_as[i], want[i].name) != 0 &&
        memcmp(name, sent_as[i], nlen) == 0) {
      u.full_path = 1;
    } else if (nlen != strlen(want[i].name) ||
               memcmp(name, want[i].name, nlen) != 0) {
      gr_say(c,
             "File %d should be named \"%s\"; your file_client sent \"%.*s\".",
             i + 1, want[i].name, (int)nlen, name);
      return u;
    }
    pos += 4 + nlen + 8;
    if (size != want[i].size || len - pos < size) {
      gr_say(c,
             "%s has %zu bytes; your file_client's header says %llu, and "
             "%zu bytes followed it.",
             want[i].name, want[i].size, (unsigned long long)size, len - pos);
      return u;
    }
    if (memcmp(s + pos, want[i].data, size) != 0) {
      gr_say(c,
             "The contents of %s that your file_client sent differ from "
             "the file's.",
             want[i].name);
      return u;
    }
    pos += size;
    u.files++;
  }
  if (pos < len)
    gr_say(c, "After the last file your file_client sent %zu more bytes.",
           len - pos);
  return u;
}

/* The client's part after its end of file: the grader replies "OK K\n";
 * the client prints it and exits 0.  Returns 1 when it did. */
static int
reply_to_client(struct gr_ctx *c, int fd, struct gr_proc *cl, int k)
{
  char reply[32], *out;
  int ok;

  snprintf(reply, sizeof reply, "OK %d\n", k);
  sl_writen(fd, reply, strlen(reply));
  if (!gr_expect_exit(c, cl, c->stack == GR_USER ? 30 : 5))
    return 0;
  out = gr_slurp(cl->out_path, NULL);
  ok = out != NULL && strcmp(out, reply) == 0 && gr_exited_ok(cl);
  if (!ok) {
    char how[200], shown[160];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c,
           "The grader replied \"OK %d\"; your file_client printed %s and "
           "%s. Expected: the reply on stdout, exit status 0.",
           k, gr_show_output(out, shown, sizeof shown), how);
    gr_show_stderr(c, cl);
  }
  free(out);
  return ok;
}

/* ---- tests: the programs with each other --------------------------------- */

/* who's client sends the standard files to who's server. */
static void
transfer(struct gr_ctx *c, enum gr_who server, enum gr_who client)
{
  struct file f[MAX_FILES] = {0};
  const char *argv[MAX_FILES + 1];
  char dir[400], *out;
  int port = gr_port(c), n = standard_files(c, f), got;
  struct gr_proc *srv, *cl;

  make_dir(c, "received", dir, sizeof dir);
  for (int i = 0; i < n; i++) {
    save_input(c, &f[i], f[i].name);
    argv[i] = f[i].name;
  }
  argv[n] = NULL;
  srv =
      gr_server(c, server, "file_server", port, (const char *[]){dir, NULL}, 0);
  if (!gr_client(c, client, "file_client", port, argv, NULL, 0, 15, &cl))
    gr_netstat_excerpt(c, port);
  got = check_received(c, dir, f, n, srv->label);
  gr_score(c, gr_data_score(c, (double)got / n));
  out = gr_slurp(cl->out_path, NULL);
  if (!gr_exited_ok(cl) || out == NULL || !reply_is(out, n)) {
    char how[200], shown[160];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c,
           "%s printed %s and %s; expected \"OK %d\" (the server's reply) "
           "and exit status 0.",
           cl->label, gr_show_output(out, shown, sizeof shown), how, n);
    gr_show_stderr(c, client == GR_STUDENT ? cl : srv);
    gr_score(c, c->score * 0.5);
  } else if (got < n) {
    gr_show_stderr(c, srv);
  }
  free(out);
  free_files(f, n);
}

static void
server_with_reference_client(struct gr_ctx *c)
{
  transfer(c, GR_STUDENT, GR_REF);
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  transfer(c, GR_REF, GR_STUDENT);
}

static void
client_with_your_server(struct gr_ctx *c)
{
  transfer(c, GR_STUDENT, GR_STUDENT);
}

/* ---- tests: the protocol, exactly ---------------------------------------- */

/* The grader is the server, and reads what the client sends byte by byte:
 * big-endian lengths, base names, the contents, then the shutdown before
 * the reply. */
static void
client_protocol(struct gr_ctx *c)
{
  struct file f[2] = {0};
  const char *sent_as[] = {"sub/report.txt", "data.bin", NULL};
  char sub[400], port_s[16];
  int port = gr_port(c), lfd, fd, eof;
  struct gr_buf in = {0};
  struct gr_proc *cl;
  struct upload u;
  double score = 0;

  make_dir(c, "sub", sub, sizeof sub);
  make_file(c, &f[0], "report.txt", 50 + gr_rand(c, 250));
  make_file(c, &f[1], "data.bin", 1000 + gr_rand(c, 4000));
  save_input(c, &f[0], sent_as[0]);
  save_input(c, &f[1], sent_as[1]);
  lfd = sl_tcp_listen(NULL, gr_itoa(port, port_s, sizeof port_s), 4);
  if (lfd < 0) {
    gr_say(c, "grader: listen: %s", sl_strerror());
    gr_end(c);
  }
  cl = gr_start(
      c, GR_STUDENT, "file_client",
      (const char *[]){gr_host(c), port_s, sent_as[0], sent_as[1], NULL});
  gr_close_stdin(cl);
  if ((fd = take_upload(c, lfd, cl, &in, &eof, 5)) < 0)
    goto out;
  u = parse_upload(c, (const unsigned char *)in.s, in.len, f, sent_as, 2);
  if (u.order == BIG)
    score += 0.25;
  if (u.files > 0 && !u.full_path)
    score += 0.25;
  else if (u.full_path)
    gr_say(c,
           "Your file_client sent the name \"%s\" as it was given; the "
           "protocol sends the base name, \"%s\" (what follows the last "
           "'/').",
           sent_as[0], f[0].name);
  if (u.files == 2)
    score += 0.25;
  if (!eof) {
    char where[96];
    gr_say(c,
           "After %zu bytes your file_client sent nothing more for 5 s, "
           "and no end of file: it should call sl_shutdown(fd, SHUT_WR) "
           "after the last file. The server replies only then.",
           in.len);
    gr_where(cl, where, sizeof where);
    if (where[0])
      gr_say(c, "It was in %s.", where);
  }
  if (reply_to_client(c, fd, cl, u.files) && eof && in.len > 0)
    score += 0.25;
  sl_close(fd);
out:
  sl_close(lfd);
  gr_buf_free(&in);
  free_files(f, 2);
  gr_score(c, score);
}

/* Hostile names, each on a connection of its own: refused (a message on
 * stderr, no reply, the connection closed), nothing written anywhere; and
 * the next client is served. */
static void
rejects_bad_names(struct gr_ctx *c)
{
  static const struct {
    const char *name;
    int len; /* what the length field says; -1: the name's */
    const char *why;
  } cases[] = {
      {"../escaped.txt", -1, "a name with \"..\" and '/'"},
      {"sub/inner.txt", -1, "a name with '/'"},
      {"..", -1, "the name \"..\""},
      {"", 0, "a name length of 0"},
      {"", 300, "a name length of 300"},
  };
  enum { NCASES = sizeof cases / sizeof *cases };
  char dir[400], sub[500], reply[256], long_name[301];
  int port = gr_port(c), works, ok = 0;
  struct gr_proc *srv;
  enum order o;
  struct file good = {0};

  make_dir(c, "received", dir, sizeof dir);
  make_dir(c, "received/sub", sub, sizeof sub);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, "how it refuses bad names", &works);
  if (!works)
    gr_end(c);
  memset(long_name, 'a', 300);
  long_name[300] = '\0';
  for (int i = 0; i < NCASES; i++) {
    struct gr_buf b = {0};
    size_t err_before = 0, err_after = 0;
    char *err = gr_slurp(srv->err_path, &err_before);
    const char *name = cases[i].len == 300 ? long_name : cases[i].name;
    int closed, bad = 0;
    free(err);
    put_header(&b, name, cases[i].len < 0 ? strlen(name) : (size_t)cases[i].len,
               5, o);
    gr_buf_add(&b, "evil\n", 5);
    closed = session(c, port, b.s, b.len, reply, sizeof reply);
    gr_buf_free(&b);
    usleep(50000);
    err = gr_slurp(srv->err_path, &err_after);
    free(err);
    if (!gr_running(srv)) {
      char how[200];
      gr_exit_text(srv, how, sizeof how);
      gr_say(c,
             "Sent %s, your file_server %s. It should refuse the "
             "client and serve the next.",
             cases[i].why, how);
      gr_show_stderr(c, srv);
      break;
    }
    if (strncmp(reply, "OK", 2) == 0 || !closed) {
      gr_say(c,
             "Sent %s, your file_server %s%s%s. Expected: no reply, the "
             "connection closed.",
             cases[i].why, closed ? "replied \"" : "kept the connection open",
             closed ? reply : "", closed ? "\"" : " for 3 s");
      bad = 1;
    }
    if (exists(c->work, "escaped.txt") || exists(sub, "inner.txt") ||
        exists(dir, "evil")) {
      gr_say(c, "Sent %s, your file_server wrote a file%s.", cases[i].why,
             exists(c->work, "escaped.txt") ? " outside its directory" : "");
      bad = 1;
    }
    if (err_after <= err_before) {
      gr_say(c, "Sent %s, your file_server said nothing on stderr.",
             cases[i].why);
      bad = 1;
    }
    ok += !bad;
  }
  make_file(c, &good, "after.txt", 1 + gr_rand(c, 100));
  if (gr_running(srv)) {
    struct gr_buf b = {0};
    put_frame(&b, &good, o);
    session(c, port, b.s, b.len, reply, sizeof reply);
    gr_buf_free(&b);
    if (reply_is(reply, 1) && check_received(c, dir, &good, 1, srv->label))
      ok++;
    else
      gr_say(c,
             "After the bad names, a client with a good file got "
             "\"%.60s\", not \"OK 1\".",
             reply);
  }
  free_files(&good, 1);
  gr_score(c, ok / (NCASES + 1.0));
}

/* An empty session on socklab's stack: the reply "OK 0" after the
 * client's shutdown, then the server closes after the client (LAST_ACK,
 * never TIME_WAIT) and keeps no connection in CLOSE_WAIT. */
static void
teardown(struct gr_ctx *c)
{
  char dir[400], reply[64];
  int port, fd, closed, close_wait;
  struct pollfd p;
  struct gr_proc *srv;
  struct gr_trace t;
  double score = 0;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  fd = gr_connect(c, port);
  p = (struct pollfd){.fd = fd, .events = POLLIN};
  if (sl_poll(&p, 1, 200) > 0) {
    gr_say(c, "Your file_server replied or closed before the client's "
              "shutdown(SHUT_WR): it should wait for the client's end of "
              "file, which says \"no more files\".");
  } else {
    score += 0.25;
  }
  sl_shutdown(fd, SHUT_WR);
  read_until_close(c, fd, reply, sizeof reply, 2, &closed);
  sl_close(fd);
  if (reply_is(reply, 0))
    score += 0.25;
  else
    gr_say(c,
           "A client that sent no file and shut down its side got "
           "\"%.60s\"; expected \"OK 0\\n\".",
           reply);
  usleep(300000); /* the last ACK */
  close_wait = gr_count_state(c, srv, "CLOSE_WAIT", port);
  if (close_wait == 0) {
    score += 0.25;
  } else {
    gr_say(c,
           "Your file_server holds %d connection%s in CLOSE_WAIT: the "
           "client closed, and your server never called sl_close() on its "
           "socket.",
           close_wait, close_wait == 1 ? "" : "s");
    gr_netstat_excerpt(c, port);
  }
  gr_stop(srv);
  if (gr_trace_read(srv, &t) < 0) {
    gr_say(c, "No trace from socklab's stack: did your server use sl_ "
              "calls?");
  } else if (!t.time_wait && strstr(t.visited, "LAST_ACK") != NULL) {
    score += 0.25;
  } else {
    gr_say(c,
           "On socklab's stack your file_server went through: %s.\nIt "
           "should close after the client's end of file (CLOSE_WAIT, "
           "LAST_ACK), so that TIME_WAIT stays with the client.",
           t.visited);
    gr_ladder_excerpt(c, srv, NULL, 30);
  }
  gr_score(c, score);
}

/* ---- tests: what networks do to a byte stream ---------------------------- */

/* Two files, every byte of their headers in a segment of its own: one
 * sl_recv is not one field. */
static void
one_byte_writes(struct gr_ctx *c)
{
  struct file f[2] = {0};
  char dir[400], reply[64];
  int port = gr_port(c), works, fd, closed, got;
  struct gr_buf b = {0};
  struct gr_proc *srv;
  enum order o;

  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, "headers that arrive one byte at a time", &works);
  if (!works)
    gr_end(c);
  make_file(c, &f[0], "slow.txt", 3 + gr_rand(c, 10));
  make_file(c, &f[1], "slower.bin", 3 + gr_rand(c, 10));
  for (int i = 0; i < 2; i++)
    put_frame(&b, &f[i], o);
  fd = gr_connect(c, port);
  sl_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  usleep(100000); /* the server waits in its first recv */
  for (size_t i = 0; i < b.len; i++) {
    if (sl_send(fd, b.s + i, 1, 0) != 1)
      break;
    usleep(10000);
  }
  sl_shutdown(fd, SHUT_WR);
  read_until_close(c, fd, reply, sizeof reply, 3, &closed);
  sl_close(fd);
  gr_buf_free(&b);
  got = check_received(c, dir, f, 2, srv->label);
  if (got == 2 && reply_is(reply, 2)) {
    gr_score(c, 1);
  } else {
    gr_say(c,
           "The grader sent 2 files one byte per segment (10 ms apart); "
           "your file_server replied \"%.60s\". A recv returns what has "
           "arrived, maybe 1 byte of a 4-byte length: read each field "
           "with sl_readn.",
           reply);
    gr_show_stderr(c, srv);
    gr_score(c, got / 2.0 * 0.5);
  }
  free_files(f, 2);
}

/* Clients that stop in the middle of a header or a file: no partial file
 * is left, and the next client is served. */
static void
eof_mid_message(struct gr_ctx *c)
{
  struct file f = {0};
  char dir[400], reply[64];
  int port = gr_port(c), works, ok = 0;
  struct gr_proc *srv;
  enum order o;

  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, "what it does with a message cut short", &works);
  if (!works)
    gr_end(c);
  make_file(c, &f, "cut.bin", 1000 + gr_rand(c, 1000));
  for (int i = 0; i < 3; i++) {
    static const char *const where[] = {"in the middle of the name",
                                        "in the middle of the size",
                                        "half way through the contents"};
    struct gr_buf b = {0};
    struct file next = {0};
    size_t keep;
    int bad = 0;
    put_frame(&b, &f, o);
    keep = i == 0   ? 4 + 3
           : i == 1 ? 4 + strlen(f.name) + 3
                    : b.len - f.size / 2;
    session(c, port, b.s, keep, reply, sizeof reply);
    gr_buf_free(&b);
    usleep(50000);
    if (exists(dir, f.name)) {
      char path[500];
      gr_say(c,
             "A client stopped %s of %s; your file_server left a partial "
             "%s behind. Remove it (unlink) when the file cannot be "
             "complete.",
             where[i], f.name, f.name);
      snprintf(path, sizeof path, "%s/%s", dir, f.name);
      unlink(path);
      bad = 1;
    }
    make_file(c, &next,
              i == 0   ? "next1.txt"
              : i == 1 ? "next2.txt"
                       : "n3.txt",
              1 + gr_rand(c, 100));
    b = (struct gr_buf){0};
    put_frame(&b, &next, o);
    if (gr_running(srv))
      session(c, port, b.s, b.len, reply, sizeof reply);
    gr_buf_free(&b);
    if (!gr_running(srv) || !reply_is(reply, 1) ||
        !check_received(c, dir, &next, 1, srv->label)) {
      char how[200];
      gr_exit_text(srv, how, sizeof how);
      gr_say(c,
             "After a client stopped %s, the next client's file got "
             "\"%.60s\" (your file_server %s); expected \"OK 1\".",
             where[i], reply, how);
      gr_show_stderr(c, srv);
      bad = 1;
    }
    free_files(&next, 1);
    ok += !bad;
    if (!gr_running(srv))
      break;
  }
  free_files(&f, 1);
  gr_score(c, ok / 3.0);
}

/* A client resets its connection (SO_LINGER 0) in the middle of a file:
 * the server survives, drops the partial file, and serves the next. */
static void
survives_reset(struct gr_ctx *c)
{
  struct file f = {0};
  char dir[400], reply[64];
  int port = gr_port(c), works, fd;
  struct gr_buf b = {0};
  struct gr_proc *srv;
  struct linger lg = {1, 0};
  enum order o;

  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, NULL, &works); /* BIG when it takes neither */
  make_file(c, &f, "reset.bin", 20000);
  put_frame(&b, &f, o);
  fd = gr_connect(c, port);
  sl_writen(fd, b.s, b.len / 2);
  gr_buf_free(&b);
  usleep(100000);
  sl_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  sl_close(fd); /* RST */
  usleep(200000);
  if (!gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c,
           "A client reset its connection (RST) in the middle of a file, "
           "and your file_server %s. A server must survive its clients: "
           "drop that one, go back to accept().",
           how);
    gr_show_stderr(c, srv);
  } else if (exists(dir, f.name)) {
    gr_say(c,
           "A client reset its connection in the middle of %s; your "
           "file_server left the partial file behind.",
           f.name);
  } else {
    session(c, port, NULL, 0, reply, sizeof reply);
    if (reply_is(reply, 0))
      gr_score(c, 1);
    else
      gr_say(c,
             "After a client reset its connection, the next client (no "
             "files) got \"%.60s\"; expected \"OK 0\".",
             reply);
  }
  free_files(&f, 1);
}

/* On socklab's stack through a hub that loses, reorders and duplicates:
 * the grader's files to the student's server, each header at the start of
 * a segment (split headers are one_byte_writes' job), and the student's
 * client to the grader. */
static void
lossy_link(struct gr_ctx *c)
{
  struct file f[3] = {0}, g[2] = {0};
  const char *sent_as[3];
  char dir[400], reply[64], port_s[16];
  int port, works, fd, lfd, eof, closed, got;
  double score = 0;
  struct gr_proc *srv, *cl;
  struct gr_buf in = {0};
  enum order o;

  gr_use_stack(c, GR_USER, "--loss 10% --reorder 5% --dup 2%");
  port = gr_port(c);
  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, "transfers on a lossy link", &works);
  make_file(c, &f[0], "lossy-small.txt", 1 + gr_rand(c, 300));
  make_file(c, &f[1], "lossy-a.bin", 8000 + gr_rand(c, 8000));
  make_file(c, &f[2], "lossy-b.bin", 16000 + gr_rand(c, 16000));
  if (works) {
    fd = gr_connect(c, port);
    for (int i = 0; i < 3; i++) {
      struct gr_buf b = {0};
      put_header(&b, f[i].name, strlen(f[i].name), f[i].size, o);
      wait_acked(c, fd, 5);
      sl_writen(fd, b.s, b.len);
      sl_writen(fd, f[i].data, f[i].size);
      gr_buf_free(&b);
    }
    sl_shutdown(fd, SHUT_WR);
    read_until_close(c, fd, reply, sizeof reply, 30, &closed);
    sl_close(fd);
    got = check_received(c, dir, f, 3, srv->label);
    if (got == 3 && reply_is(reply, 3))
      score += 0.5;
    else
      gr_say(c,
             "Your file_server, sent 3 files on the lossy link, replied "
             "\"%.60s\"; expected \"OK 3\".",
             reply);
  }
  /* The student's client, the grader the server. */
  port = gr_port(c);
  lfd = sl_tcp_listen(NULL, gr_itoa(port, port_s, sizeof port_s), 4);
  make_file(c, &g[0], "up-small.txt", 1 + gr_rand(c, 300));
  make_file(c, &g[1], "up-big.bin", 16000 + gr_rand(c, 16000));
  for (int i = 0; i < 2; i++) {
    save_input(c, &g[i], g[i].name);
    sent_as[i] = g[i].name;
  }
  cl = gr_start(
      c, GR_STUDENT, "file_client",
      (const char *[]){gr_host(c), port_s, g[0].name, g[1].name, NULL});
  gr_close_stdin(cl);
  if (lfd >= 0 && (fd = take_upload(c, lfd, cl, &in, &eof, 30)) >= 0) {
    struct upload u;
    u = parse_upload(c, (const unsigned char *)in.s, in.len, g, sent_as, 2);
    if (reply_to_client(c, fd, cl, u.files) && u.files == 2 && eof)
      score += 0.5;
    sl_close(fd);
  }
  if (lfd >= 0)
    sl_close(lfd);
  if (score < 1)
    gr_say(c,
           "(On socklab's stack, with 10%% loss, 5%% reordering and 2%% "
           "duplication; hub seed %llu.)",
           (unsigned long long)c->hub_seed);
  gr_buf_free(&in);
  free_files(f, 3);
  free_files(g, 2);
  gr_score(c, score);
}

/* Clients that come and go leave nothing behind in the server. */
static void
no_leaks(struct gr_ctx *c)
{
  char dir[400], reply[64];
  int port = gr_port(c), works, fds_before, fds_after, close_wait;
  struct gr_proc *srv;
  enum order o;

  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  o = server_order(c, port, NULL, &works);
  fds_before = gr_open_fds(srv);
  for (int i = 0; i < 8; i++) {
    struct file f = {0};
    struct gr_buf b = {0};
    char name[32];
    snprintf(name, sizeof name, "leak-%d.txt", i);
    make_file(c, &f, name, 1 + gr_rand(c, 100));
    if (i % 2)
      put_frame(&b, &f, o);
    session(c, port, b.s, b.len, reply, sizeof reply);
    gr_buf_free(&b);
    free_files(&f, 1);
  }
  usleep(300000);
  fds_after = gr_open_fds(srv);
  close_wait = gr_count_state(c, srv, "CLOSE_WAIT", port);
  if (close_wait == 0 && fds_after <= fds_before) {
    gr_score(c, 1);
    return;
  }
  if (close_wait > 0)
    gr_say(c,
           "After 8 clients came and went, your file_server holds %d "
           "connection%s in CLOSE_WAIT: the client closed, and your "
           "server never called sl_close() on its socket.",
           close_wait, close_wait == 1 ? "" : "s");
  if (fds_after > fds_before)
    gr_say(c,
           "Your file_server had %d descriptors open before 8 clients and "
           "%d after: a socket or a file is never closed.",
           fds_before, fds_after);
  gr_netstat_excerpt(c, port);
}

/* A client that stops in the middle of a name length: the server waits
 * blocked, not spinning. */
static void
no_busy_loop(struct gr_ctx *c)
{
  char dir[400];
  int port = gr_port(c), fd;
  struct gr_proc *srv;
  double cpu;

  make_dir(c, "received", dir, sizeof dir);
  srv = gr_server(c, GR_STUDENT, "file_server", port,
                  (const char *[]){dir, NULL}, 0);
  fd = gr_connect(c, port);
  sl_writen(fd, "\0\0", 2);
  usleep(100000);
  cpu = gr_cpu_seconds(srv);
  usleep(1200000); /* half a name length, then 1.2 s of silence */
  cpu = gr_cpu_seconds(srv) - cpu;
  sl_close(fd);
  if (cpu < 0.3) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "While its client had sent half a name length and then nothing "
         "for 1.2 s, your file_server used %.2f s of CPU: a loop that "
         "never blocks. Let sl_recv() (or sl_readn()) block until data "
         "comes.",
         cpu);
}

static const struct gr_test tests[] = {
    {"server_with_reference_client",
     "your file_server receives 4 files (0 B to 3 MB) from the reference "
     "client",
     3, GR_VISIBLE, 25, server_with_reference_client},
    {"client_with_reference_server",
     "your file_client sends 4 files to the reference server and prints "
     "OK 4",
     3, GR_VISIBLE, 25, client_with_reference_server},
    {"client_with_your_server", "your file_client with your file_server", 1,
     GR_VISIBLE, 25, client_with_your_server},
    {"client_protocol",
     "your file_client: big-endian lengths, base names, shutdown before "
     "the reply",
     2, GR_VISIBLE, 20, client_protocol},
    {"rejects_bad_names",
     "your file_server refuses '/', \"..\" and bad name lengths, then "
     "serves the next client",
     2, GR_VISIBLE, 30, rejects_bad_names},
    {"teardown",
     "your file_server replies after the shutdown and closes after the "
     "client",
     1, GR_VISIBLE, 20, teardown},
    {"one_byte_writes",
     "your file_server reads headers that arrive one byte at a time", 2,
     GR_VISIBLE, 20, one_byte_writes},
    {"eof_mid_message",
     "clients that stop inside a header or a file: no partial file, the "
     "next served",
     2, GR_HIDDEN, 30, eof_mid_message},
    {"survives_reset", "a client that resets mid-file does not stop the server",
     1, GR_HIDDEN, 20, survives_reset},
    {"lossy_link",
     "your server and your client, each with the reference, on a lossy "
     "link on socklab's stack",
     2, GR_HIDDEN, 150, lossy_link},
    {"no_leaks", "no CLOSE_WAIT and no leaked descriptors after 8 clients", 1,
     GR_HIDDEN, 20, no_leaks},
    {"no_busy_loop", "no busy loop while a client is silent", 1, GR_HIDDEN, 15,
     no_busy_loop},
};

const struct gr_lab gr_lab06 = {"lab06", "lab06-reliable-transfer", programs,
                                tests, sizeof tests / sizeof *tests};
