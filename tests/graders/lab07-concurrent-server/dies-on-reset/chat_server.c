/* chat_server PORT: a chat room in one thread.  sl_poll waits on the
 * listening socket and every client at once; each complete line from a
 * client goes to every other client.  Lab 07 reference solution. */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS  1024
#define LINE_MAX_LEN 4096 /* a client's unfinished line may grow this big */

struct client {
  int fd;                   /* the connection; -1 once dropped */
  size_t len;               /* bytes of an unfinished line in buf */
  char addr[SL_ADDRSTRLEN]; /* "10.77.0.3:40512", for the log */
  char buf[LINE_MAX_LEN];   /* what arrived after the last newline */
};

struct room {
  struct client *c; /* c[0..n-1]: the clients */
  int n;
};

static void
drop(struct client *c, const char *why)
{
  if (c->len > 0)
    printf("%s: %zu bytes of an unfinished line discarded\n", c->addr, c->len);
  printf("%s left (%s)\n", c->addr, why);
  sl_close(c->fd);
  c->fd = -1; /* removed from the array after this round of poll */
}

/* Sends a line to everyone but its author.  MSG_DONTWAIT: a client that
 * stopped reading must not block the whole room, so when its send buffer
 * is full it is dropped instead of waited for. */
static void
broadcast(struct room *room, const struct client *from, const char *line,
          size_t len)
{
  for (int i = 0; i < room->n; i++) {
    struct client *c = &room->c[i];
    if (c == from || c->fd < 0)
      continue;
    ssize_t r = sl_send(c->fd, line, len, MSG_DONTWAIT);
    if (r < 0) {
      fprintf(stderr, "chat_server: %s\n", sl_strerror());
      exit(1);
    }
    if (r != (ssize_t)len)
      drop(c, "too slow: send buffer full");
  }
}

/* Reads what one client sent, broadcasts every line it completes and keeps
 * the rest for later: one recv may hold half a line or several lines. */
static void
on_readable(struct room *room, struct client *c)
{
  ssize_t n =
      sl_recv(c->fd, c->buf + c->len, LINE_MAX_LEN - c->len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return; /* nothing after all: poll again */
  if (n < 0) {
    fprintf(stderr, "chat_server: %s\n", sl_strerror());
    exit(1);
  }
  if (n == 0) {
    drop(c, "closed");
    return;
  }
  c->len += (size_t)n;
  char *start = c->buf, *nl;
  while ((nl = memchr(start, '\n', c->len - (size_t)(start - c->buf)))) {
    broadcast(room, c, start, (size_t)(nl + 1 - start));
    start = nl + 1;
  }
  c->len -= (size_t)(start - c->buf);
  memmove(c->buf, start, c->len);
  if (c->len == LINE_MAX_LEN)
    drop(c, "line too long");
}

static void
on_accept(struct room *room, int lfd)
{
  int fd = sl_accept(lfd, NULL, NULL);
  if (fd < 0) { /* the client may have gone already; the room carries on */
    fprintf(stderr, "chat_server: accept: %s\n", sl_strerror());
    return;
  }
  if (room->n == MAX_CLIENTS) {
    fprintf(stderr, "chat_server: full, refusing a client\n");
    sl_close(fd);
    return;
  }
  struct client *c = &room->c[room->n++];
  c->fd = fd;
  c->len = 0;
  sl_peer_addr(fd, c->addr, sizeof c->addr);
  printf("%s joined, %d connected\n", c->addr, room->n);
}

/* Removes the dropped clients, keeping the order of the others. */
static void
compact(struct room *room)
{
  int kept = 0;
  for (int i = 0; i < room->n; i++)
    if (room->c[i].fd >= 0)
      room->c[kept++] = room->c[i];
  room->n = kept;
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: chat_server PORT\n");
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct room room = {calloc(MAX_CLIENTS, sizeof *room.c), 0};
  struct pollfd *pfd = calloc(MAX_CLIENTS + 1, sizeof *pfd);
  if (room.c == NULL || pfd == NULL) {
    fprintf(stderr, "chat_server: out of memory\n");
    return 1;
  }
  int lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 128));

  for (;;) {
    /* pfd[0] is the listener, pfd[i + 1] is client i. */
    int polled = room.n;
    pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < polled; i++)
      pfd[i + 1] = (struct pollfd){.fd = room.c[i].fd, .events = POLLIN};
    /* No timeout: the thread sleeps until something happens. */
    if (sl_poll(pfd, (nfds_t)polled + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "chat_server: poll: %s\n", sl_strerror());
      break;
    }
    /* POLLHUP and POLLERR count too: recv then says what happened. */
    for (int i = 0; i < polled; i++)
      if (pfd[i + 1].revents && room.c[i].fd >= 0)
        on_readable(&room, &room.c[i]);
    compact(&room);
    if (pfd[0].revents & POLLIN)
      on_accept(&room, lfd);
  }
  for (int i = 0; i < room.n; i++)
    sl_close(room.c[i].fd);
  sl_close(lfd);
  free(pfd);
  free(room.c);
  return 1;
}
