/* file_client HOST PORT FILE...: sends files to file_server over one TCP
 * connection, each framed as 4-byte big-endian name length, name, 8-byte
 * big-endian size, contents; then shutdown(SHUT_WR), prints the server's
 * reply and closes.  Lab 06 reference solution. */
#include <fcntl.h>
#include <socklab.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_LEN 255   /* the longest name the protocol allows */
#define CHUNK        16384 /* bytes read from the file at a time */

/* Writes the n low bytes of v, most significant first (network order). */
static unsigned char *
put_be(unsigned char *p, uint64_t v, int n)
{
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (unsigned char)(v & 0xff);
    v >>= 8;
  }
  return p + n;
}

/* The header of one file in one buffer, sent with one sl_writen: how the
 * bytes are grouped into sends does not matter to the receiver, only
 * their order does. */
static int
send_header(int fd, const char *name, uint64_t size)
{
  unsigned char hdr[4 + NAME_MAX_LEN + 8];
  size_t len = strlen(name);
  unsigned char *p = put_be(hdr, len, 4);

  memcpy(p, name, len);
  p = put_be(p + len, size, 8);
  return sl_writen(fd, hdr, (size_t)(p - hdr)) < 0 ? -1 : 0;
}

/* Sends one file: header, then exactly the size announced. */
static int
send_file(int fd, const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path; /* sent under its base name */
  char buf[CHUNK];
  struct stat st;
  int rc = -1;

  if (strlen(name) == 0 || strlen(name) > NAME_MAX_LEN) {
    fprintf(stderr, "file_client: %s: name must be 1-%d bytes\n", path,
            NAME_MAX_LEN);
    return -1;
  }
  int in = open(path, O_RDONLY);
  if (in < 0 || fstat(in, &st) < 0) {
    fprintf(stderr, "file_client: %s: %s\n", path, strerror(errno));
    goto out;
  }
  uint64_t left = (uint64_t)st.st_size;
  if (send_header(fd, name, left) < 0)
    goto send_failed;
  while (left > 0) {
    ssize_t n = read(in, buf, left < CHUNK ? (size_t)left : CHUNK);
    if (n <= 0) { /* the file shrank or failed while we sent it */
      fprintf(stderr, "file_client: read %s: %s\n", path,
              n < 0 ? strerror(errno) : "file got shorter");
      goto out;
    }
    if (sl_writen(fd, buf, (size_t)n) < 0)
      goto send_failed;
    left -= (uint64_t)n;
  }
  rc = 0;
  goto out;
send_failed:
  fprintf(stderr, "file_client: send %s: %s\n", path, sl_strerror());
out:
  if (in >= 0)
    close(in);
  return rc;
}

int
main(int argc, char **argv)
{
  struct sl_reader r;
  char reply[64];

  if (argc < 4) {
    fprintf(stderr, "usage: file_client HOST PORT FILE...\n");
    return 1;
  }
  int fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));
  for (int i = 3; i < argc; i++) {
    if (send_file(fd, argv[i]) < 0) {
      sl_close(fd);
      return 1;
    }
  }
  /* Half-close: "no more files".  We can still read the reply. */
  SL_TRY(sl_shutdown(fd, SHUT_WR));
  sl_reader_init(&r, fd);
  ssize_t n = sl_readline(&r, reply, sizeof reply);
  if (n <= 0) {
    fprintf(stderr, "file_client: no reply from the server: %s\n",
            n < 0 ? sl_strerror() : "connection closed");
    sl_close(fd);
    return 1;
  }
  fputs(reply, stdout);
  sl_close(fd); /* we close first: TIME_WAIT is ours, not the server's */
  return strncmp(reply, "OK ", 3) == 0 ? 0 : 1;
}
