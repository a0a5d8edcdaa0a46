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

/* A name we may create in DIR: 1 to 255 bytes, no '/', no "..", no NUL. */
static int
name_is_safe(const char *name, size_t len)
{
  return len > 0 && len <= NAME_MAX_LEN && strlen(name) == len &&
         strchr(name, '/') == NULL && strstr(name, "..") == NULL;
}

/* Receives the files of one client: one recv is the name, the next one
 * is the whole file.  Returns how many arrived, or -1. */
static long
receive_files(int cfd, const char *dir)
{
  long count = 0;
  char name[NAME_MAX_LEN + 1], buf[CHUNK];

  for (;;) {
    ssize_t len = sl_recv(cfd, name, NAME_MAX_LEN, 0);
    if (len == 0)
      return count; /* the client's shutdown(SHUT_WR): no more files */
    if (len < 0)
      return -1;
    name[len] = '\0';
    if (!name_is_safe(name, (size_t)len)) {
      fprintf(stderr, "file_server: rejected the name \"%s\"\n", name);
      return -1;
    }
    ssize_t size = sl_recv(cfd, buf, sizeof buf, 0);
    if (size < 0)
      return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || sl_writen(out, buf, (size_t)size) < 0) {
      fprintf(stderr, "file_server: write %s: %s\n", path, strerror(errno));
      return -1;
    }
    close(out);
    printf("received %s (%zd bytes)\n", name, size);
    count++;
  }
}

/* One client, start to end.  After the reply the server waits for the
 * client's close before closing itself, so TIME_WAIT stays with the
 * client (the side that closes first) and never piles up here. */
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
    ; /* nothing more should come: we wait for end of file, blocked */
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
