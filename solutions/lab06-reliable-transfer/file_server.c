/* file_server PORT DIR: receives files over TCP, one client at a time, and
 * writes them into DIR.  TCP delivers a byte stream, not messages, so every
 * file is framed: 4-byte big-endian name length, name, 8-byte big-endian
 * size, contents.  Lab 06 reference solution. */
#include <fcntl.h>
#include <limits.h>
#include <socklab.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NAME_MAX_LEN 255   /* the longest name the protocol allows */
#define CHUNK        16384 /* at most this many bytes per recv */

/* What reading one framed field can end in. */
enum field {
  FIELD_OK,    /* all bytes arrived */
  FIELD_EOF,   /* end of file before the first byte */
  FIELD_ERROR, /* end of file part way, or a receive error (reported) */
};

static uint64_t
get_be(const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i]; /* big-endian: the most significant byte first */
  return v;
}

/* Reads exactly n bytes.  One recv may return any part of what the peer
 * sent, so sl_readn loops until all n are there. */
static enum field
read_field(int fd, void *buf, size_t n, const char *what)
{
  ssize_t r = sl_readn(fd, buf, n);
  if (r == (ssize_t)n)
    return FIELD_OK;
  if (r == 0)
    return FIELD_EOF;
  if (r < 0)
    fprintf(stderr, "file_server: reading the %s: %s\n", what, sl_strerror());
  else
    fprintf(stderr, "file_server: end of file in the %s (%zd of %zu bytes)\n",
            what, r, n);
  return FIELD_ERROR;
}

/* A name we may create in DIR: 1 to 255 bytes, no '/', no "..", no NUL. */
static int
name_is_safe(const char *name, size_t len)
{
  return len > 0 && len <= NAME_MAX_LEN && strlen(name) == len &&
         strchr(name, '/') == NULL && strstr(name, "..") == NULL;
}

/* Copies size bytes from the connection into a new file DIR/name.  On any
 * failure the partial file is removed: a file is there whole or not at
 * all. */
static int
receive_contents(int cfd, const char *dir, const char *name, uint64_t size)
{
  char path[PATH_MAX];
  char buf[CHUNK];
  int ok = 0;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) {
    fprintf(stderr, "file_server: open %s: %s\n", path, strerror(errno));
    return -1;
  }
  while (size > 0) {
    size_t want = size < CHUNK ? (size_t)size : CHUNK;
    ssize_t n = sl_recv(cfd, buf, want, 0); /* whatever has arrived */
    if (n == 0) {
      fprintf(stderr, "file_server: end of file inside %s\n", name);
      goto out;
    }
    if (n < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "file_server: recv: %s\n", sl_strerror());
      goto out;
    }
    if (sl_writen(out, buf, (size_t)n) < 0) {
      fprintf(stderr, "file_server: write %s: %s\n", path, sl_strerror());
      goto out;
    }
    size -= (uint64_t)n;
  }
  ok = 1;
out:
  close(out);
  if (!ok)
    unlink(path);
  return ok ? 0 : -1;
}

/* Receives the files of one client.  Returns how many arrived, or -1 when
 * the client broke the protocol (the caller then just closes). */
static long
receive_files(int cfd, const char *dir)
{
  long count = 0;

  for (;;) {
    unsigned char len_be[4], size_be[8];
    char name[NAME_MAX_LEN + 1];

    enum field f = read_field(cfd, len_be, sizeof len_be, "name length");
    if (f == FIELD_EOF)
      return count; /* the client's shutdown(SHUT_WR): no more files */
    if (f == FIELD_ERROR)
      return -1;
    uint64_t len = get_be(len_be, 4);
    if (len == 0 || len > NAME_MAX_LEN) {
      fprintf(stderr, "file_server: rejected a name of %llu bytes (1-%d)\n",
              (unsigned long long)len, NAME_MAX_LEN);
      return -1;
    }
    if (read_field(cfd, name, (size_t)len, "name") != FIELD_OK)
      return -1;
    name[len] = '\0';
    if (!name_is_safe(name, (size_t)len)) {
      fprintf(stderr, "file_server: rejected the name \"%s\"\n", name);
      return -1;
    }
    if (read_field(cfd, size_be, sizeof size_be, "size") != FIELD_OK)
      return -1;
    uint64_t size = get_be(size_be, 8);
    if (receive_contents(cfd, dir, name, size) < 0)
      return -1;
    printf("received %s (%llu bytes)\n", name, (unsigned long long)size);
    count++;
  }
}

/* One client, start to end.  The reply goes only after the client's end
 * of file, so its FIN came first and our close is the passive one:
 * TIME_WAIT stays with the client (the side that closed first) and never
 * piles up here. */
static void
serve(int cfd, const char *dir)
{
  char peer[SL_ADDRSTRLEN], reply[32], junk[512];

  sl_peer_addr(cfd, peer, sizeof peer);
  long count = receive_files(cfd, dir);
  if (count < 0) {
    fprintf(stderr, "file_server: closing the connection of %s\n", peer);
    return;
  }
  int n = snprintf(reply, sizeof reply, "OK %ld\n", count);
  if (sl_writen(cfd, reply, (size_t)n) < 0) {
    fprintf(stderr, "file_server: send to %s: %s\n", peer, sl_strerror());
    return;
  }
  while (sl_recv(cfd, junk, sizeof junk, 0) > 0)
    ; /* nothing more can come after the end of file: returns 0 at once */
  printf("%s: %ld file(s)\n", peer, count);
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: file_server PORT DIR\n");
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 16));
  for (;;) {
    int cfd = sl_accept(lfd, NULL, NULL);
    if (cfd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue; /* the next client is not to blame */
      fprintf(stderr, "file_server: accept: %s\n", sl_strerror());
      sl_close(lfd);
      return 1;
    }
    serve(cfd, argv[2]);
    sl_close(cfd);
  }
}
