/* UDP and ICMP on socklab's stack: datagram boundaries, a bounded receive
 * queue, port unreachable both ways, and echo. */
#include <check.h>
#include <poll.h>
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "sim/xfer.h"

static struct pair p;

static void
setup(void)
{
  pair_init(&p, 5, NULL, NULL);
}

static void
teardown(void)
{
  pair_free(&p);
}

static void
run(void)
{
  sl__sim_run(p.sim, NULL, NULL, 100000);
  pair_sync(&p);
}

START_TEST(test_udp_boundaries_are_kept)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a), *b = sl__udp_new(p.b);
  char buf[64];
  uint32_t from;
  uint16_t port;

  ck_assert_int_eq(sl__udp_bind(b, 0, 7), 0);
  ck_assert_int_eq(sl__udp_sendto(a, "one", 3, PAIR_B, 7), 3);
  ck_assert_int_eq(sl__udp_sendto(a, "two!", 4, PAIR_B, 7), 4);
  ck_assert_int_eq(sl__udp_sendto(a, "", 0, PAIR_B, 7), 0);
  run();
  ck_assert(sl__udp_poll(b) & POLLIN);
  ck_assert_int_eq(sl__udp_recvfrom(b, buf, sizeof buf, 0, &from, &port), 3);
  ck_assert_uint_eq(from, PAIR_A);
  ck_assert_uint_ge(port, SL__EPHEMERAL_LO);
  ck_assert_int_eq(sl__udp_recvfrom(b, buf, 2, 0, NULL, NULL), 2); /* cut */
  ck_assert_int_eq(memcmp(buf, "tw", 2), 0);
  ck_assert_int_eq(sl__udp_recvfrom(b, buf, sizeof buf, 0, NULL, NULL), 0);
  ck_assert_int_eq(sl__udp_recvfrom(b, buf, sizeof buf, 0, NULL, NULL),
                   -EAGAIN);
  sl__udp_close(a);
  sl__udp_close(b);
}
END_TEST

START_TEST(test_udp_full_queue_drops_and_counts)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a), *b = sl__udp_new(p.b);
  static char big[1000];
  int got = 0;
  char buf[1000];

  sl__udp_bind(b, 0, 9);
  sl__udp_set_rcvbuf(b, 4000);
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq(sl__udp_sendto(a, big, sizeof big, PAIR_B, 9), 1000);
  run();
  while (sl__udp_recvfrom(b, buf, sizeof buf, 0, NULL, NULL) > 0)
    got++;
  ck_assert_int_eq(got, 4); /* UDP just drops what does not fit */
  ck_assert_uint_eq(sl__host_stats(p.b)->udp.rcvbuf_errors, 6);
  sl__udp_close(a);
  sl__udp_close(b);
}
END_TEST

START_TEST(test_udp_closed_port_refuses_connected_socket)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a);
  char buf[8];

  ck_assert_int_eq(sl__udp_connect(a, PAIR_B, 9999), 0);
  ck_assert_int_eq(sl__udp_sendto(a, "ping", 4, 0, 0), 4);
  run();
  ck_assert_uint_eq(sl__host_stats(p.b)->udp.no_ports, 1);
  ck_assert_uint_eq(sl__host_stats(p.b)->icmp.out_dest_unreachs, 1);
  ck_assert_uint_eq(sl__host_stats(p.a)->icmp.in_dest_unreachs, 1);
  ck_assert(sl__udp_poll(a) & POLLERR);
  ck_assert_int_eq(sl__udp_recvfrom(a, buf, sizeof buf, 0, NULL, NULL),
                   -ECONNREFUSED);
  ck_assert_int_eq(sl__udp_recvfrom(a, buf, sizeof buf, 0, NULL, NULL),
                   -EAGAIN); /* reported once */
  sl__udp_close(a);
}
END_TEST

START_TEST(test_udp_unconnected_socket_hears_no_icmp)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a);
  char buf[8];

  ck_assert_int_eq(sl__udp_sendto(a, "ping", 4, PAIR_B, 9999), 4);
  run();
  ck_assert_int_eq(sl__udp_recvfrom(a, buf, sizeof buf, 0, NULL, NULL),
                   -EAGAIN);
  sl__udp_close(a);
}
END_TEST

START_TEST(test_udp_bind_conflict_and_destination_required)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a), *b = sl__udp_new(p.a);

  ck_assert_int_eq(sl__udp_bind(a, 0, 53), 0);
  ck_assert_int_eq(sl__udp_bind(b, 0, 53), -EADDRINUSE);
  ck_assert_int_eq(sl__udp_bind(b, 0x01020304, 54), -EADDRNOTAVAIL);
  ck_assert_int_eq(sl__udp_sendto(b, "x", 1, 0, 0), -EDESTADDRREQ);
  sl__udp_close(a);
  sl__udp_close(b);
}
END_TEST

static void
info_of(void *arg, const struct sl__udp_pcb *u)
{
  sl__udp_get_info(u, arg);
}

/* What netstat shows: addresses and a queue, and no state to show. */
START_TEST(test_udp_info_shows_ports_and_queue)
{
  struct sl__udp_pcb *a = sl__udp_new(p.a), *b = sl__udp_new(p.b);
  struct sl__udp_info ia, ib;

  ck_assert_int_eq(sl__udp_bind(b, 0, 9), 0);
  ck_assert_int_eq(sl__udp_sendto(a, "hello", 5, PAIR_B, 9), 5);
  run();
  sl__host_foreach_udp(p.a, info_of, &ia);
  sl__host_foreach_udp(p.b, info_of, &ib);
  ck_assert_uint_ge(ia.lport, SL__EPHEMERAL_LO); /* bound by sendto */
  ck_assert_uint_eq(ia.raddr, 0);                /* and not connected */
  ck_assert_uint_eq(ib.lport, 9);
  ck_assert_uint_eq(ib.recv_q, 5);
  sl__udp_close(a);
  sl__udp_close(b);
}
END_TEST

/* Datagrams over a lossy link: what is lost stays lost, and neither side
 * hears of it -- the server sends nothing at all. */
START_TEST(test_udp_xfer_losses_go_unnoticed)
{
  struct sl__xfer_udp x = {.seed = 3,
                           .count = 40,
                           .interval_us = 10000,
                           .faults = {.loss = 0.25, .delay_us = 1000}};
  unsigned read = 0;

  ck_assert_int_eq(sl__xfer_udp_run(&x), 0);
  ck_assert_uint_eq(x.sent, 40);
  ck_assert_uint_eq(x.client_stats.udp.out_datagrams, 40);
  ck_assert_uint_gt(x.wire.drop_loss, 0);
  ck_assert_uint_eq(x.received + x.wire.drop_loss, 40);
  ck_assert_uint_eq(x.server_stats.udp.in_datagrams, x.received);
  ck_assert_uint_eq(x.server_stats.ip.out_requests, 0);
  ck_assert_uint_eq(x.client_stats.ip.in_receives, 0);
  for (unsigned i = 0; i < x.count; i++) {
    ck_assert_uint_eq(x.sent_us[i], i * 10000);
    if (x.read_us[i] == SL__TIME_NEVER)
      continue;
    ck_assert_uint_eq(x.read_us[i], x.sent_us[i] + 1000);
    read++;
  }
  ck_assert_uint_eq(read, x.received);
}
END_TEST

START_TEST(test_udp_xfer_count_out_of_range_is_einval)
{
  struct sl__xfer_udp x = {.seed = 1, .count = SL__XFER_UDP_MAX + 1};

  ck_assert_int_eq(sl__xfer_udp_run(&x), -EINVAL);
  x.count = 0;
  ck_assert_int_eq(sl__xfer_udp_run(&x), -EINVAL);
}
END_TEST

START_TEST(test_icmp_echo_is_answered)
{
  uint8_t pkt[64];
  struct sl__icmp_msg m = {.type = SL__ICMP_ECHO,
                           .id = 7,
                           .seq = 1,
                           .data = (const uint8_t *)"ping",
                           .len = 4};
  struct sl__ip4_hdr ip = {
      .ttl = 64, .proto = SL__IP_PROTO_ICMP, .src = PAIR_A, .dst = PAIR_B};
  size_t n = sl__icmp_write(pkt + 20, sizeof pkt - 20, &m);

  ip.total_len = (uint16_t)(20 + n);
  sl__ip4_write(pkt, 20, &ip);
  sl__sim_send(p.sim, PAIR_A, pkt, 20 + n);
  run();
  ck_assert_uint_eq(sl__host_stats(p.b)->icmp.in_echos, 1);
  ck_assert_uint_eq(sl__host_stats(p.b)->icmp.out_echo_reps, 1);
  ck_assert_uint_eq(sl__host_stats(p.a)->icmp.in_echo_reps, 1);
}
END_TEST

Suite *
udp_suite(void)
{
  Suite *s = suite_create("udp");
  TCase *tc = tcase_create("udp");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_udp_boundaries_are_kept);
  tcase_add_test(tc, test_udp_full_queue_drops_and_counts);
  tcase_add_test(tc, test_udp_closed_port_refuses_connected_socket);
  tcase_add_test(tc, test_udp_unconnected_socket_hears_no_icmp);
  tcase_add_test(tc, test_udp_bind_conflict_and_destination_required);
  tcase_add_test(tc, test_udp_info_shows_ports_and_queue);
  tcase_add_test(tc, test_udp_xfer_losses_go_unnoticed);
  tcase_add_test(tc, test_udp_xfer_count_out_of_range_is_einval);
  tcase_add_test(tc, test_icmp_echo_is_answered);
  suite_add_tcase(s, tc);
  return s;
}
