/* Holds kernel TCP sockets in known states on the loopback, for comparing
 * socklab netstat with ss: LISTEN, ESTABLISHED (a pair), CLOSE_WAIT and
 * FIN_WAIT2 (a half-closed pair), TIME_WAIT (a closed pair).  Prints the
 * listening port, then sleeps until killed (at most 60 s). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int
connected(int lfd, const struct sockaddr_in *sin, int *server)
{
  int c = socket(AF_INET, SOCK_STREAM, 0);

  if (connect(c, (const struct sockaddr *)sin, sizeof *sin) < 0)
    return -1;
  *server = accept(lfd, NULL, NULL);
  return c;
}

int
main(void)
{
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sin;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), s1, s2, s3, c1, c2, c3;

  if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      listen(lfd, 8) < 0 || getsockname(lfd, (struct sockaddr *)&sin, &len))
    return 1;
  c1 = connected(lfd, &sin, &s1); /* ESTABLISHED both ways */
  c2 = connected(lfd, &sin, &s2); /* c2 half-closes: FIN_WAIT2/CLOSE_WAIT */
  c3 = connected(lfd, &sin, &s3); /* c3 closes first, then s3: TIME_WAIT */
  if (c1 < 0 || c2 < 0 || c3 < 0)
    return 1;
  shutdown(c2, SHUT_WR);
  close(c3);
  usleep(100000);
  close(s3);
  usleep(100000);
  printf("%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  sleep(60);
  (void)s1;
  return 0;
}
