/* The netstat clone's parsers (lib/obs/netstat.c) on what the kernel
 * writes, and on lines it never writes: a malformed line is dropped,
 * never half-read.  And the export protocol's DUMP format
 * (lib/obs/export.c, EXPORT.md): what its writer writes, its parser
 * reads back. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/export.h"
#include "obs/netstat_priv.h"
#include "socklab/netstat.h"
#include "suites.h"

#define TCP6_HEADER                                                            \
  "  sl  local_address                         remote_address              "   \
  "          st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "        \
  "inode\n"
#define TCP_HEADER                                                             \
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "        \
  "retrnsmt   uid  timeout inode\n"

/* What parse_proc prints of text, in a string the caller frees; *rows
 * gets its return value. */
static char *
parse(const char *proto, const char *text, int *rows)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  ck_assert_ptr_nonnull(f);
  *rows = sl__netstat_parse_proc(f, proto, text, strlen(text));
  fclose(f);
  return out;
}

START_TEST(test_proc_tcp6_loopback_row_is_read)
{
  int rows;
  char *out =
      parse("tcp6",
            TCP6_HEADER
            "   0: 00000000000000000000000001000000:C230 "
            "00000000000000000000000001000000:A2D1 01 00000000:00000000 "
            "00:00000000 00000000     0        0 4242 1 0000000000000000\n",
            &rows);

  ck_assert_int_eq(rows, 1);
  ck_assert_msg(strstr(out, "::1:49712") != NULL, "no ::1:49712 in: %s", out);
  ck_assert_msg(strstr(out, "::1:41681") != NULL, "no ::1:41681 in: %s", out);
  ck_assert_msg(strstr(out, "ESTABLISHED") != NULL, "not ESTABLISHED: %s", out);
  free(out);
}
END_TEST

/* A tcp6 address of 4 digits: its 32 would be read past the field. */
START_TEST(test_proc_tcp6_short_address_is_dropped)
{
  int rows;
  char *out = parse("tcp6",
                    TCP6_HEADER
                    "   0: 0000:C230 00000000000000000000000001000000:A2D1 01 "
                    "00000000:00000000 00:00000000 00000000     0        0 "
                    "4242 1 0000000000000000\n",
                    &rows);

  ck_assert_int_eq(rows, 0);
  free(out);
}
END_TEST

START_TEST(test_proc_tcp_bad_port_or_digits_are_dropped)
{
  static const char *const bad[] = {
      "   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 "
      "00000000     0        0 7 1\n", /* 3-digit port */
      "   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
      "00000000     0        0 7 1\n", /* not hex */
      "   0: 0100007F1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
      "00000000     0        0 7 1\n", /* no colon */
  };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[512];
    int rows;
    char *out;
    snprintf(text, sizeof text, "%s%s", TCP_HEADER, bad[i]);
    out = parse("tcp", text, &rows);
    ck_assert_msg(rows == 0, "line %zu was read: %s", i, out);
    free(out);
  }
}
END_TEST

START_TEST(test_proc_tcp_listener_row_is_read)
{
  int rows;
  char *out = parse("tcp",
                    TCP_HEADER "   0: 0100007F:1F90 00000000:0000 0A "
                               "00000000:00000000 00:00000000 00000000     0 "
                               "       0 7 1\n",
                    &rows);

  ck_assert_int_eq(rows, 1);
  ck_assert_msg(strstr(out, "127.0.0.1:8080") != NULL, "no 127.0.0.1:8080: %s",
                out);
  ck_assert_msg(strstr(out, "LISTEN") != NULL, "not LISTEN: %s", out);
  free(out);
}
END_TEST

/* ---- DUMP (obs/EXPORT.md) ---------------------------------------------- */

START_TEST(test_dump_tcp_row_reads_back_as_written)
{
  struct sl__tcp_info in = {.state = SL_TCP_FIN_WAIT_1,
                            .laddr = 0x0a4d0002u,
                            .raddr = 0x0a4d0001u,
                            .lport = 7300,
                            .rport = 62287,
                            .iss = 1000,
                            .irs = 5000,
                            .snd_una = 1100,
                            .snd_nxt = 1200,
                            .rcv_nxt = 5300,
                            .snd_wnd = 4096,
                            .rcv_wnd = 65535,
                            .snd_mss = 1460,
                            .rcv_mss = 1400,
                            .cwnd = 4380,
                            .ssthresh = 2920,
                            .srtt_us = 265,
                            .rttvar_us = 132,
                            .rto_us = 200000,
                            .backoff = 2,
                            .retransmits = 3,
                            .send_q = 100,
                            .recv_q = 7,
                            .timer_deadline_us = 1500000,
                            .timer = SL__TIMER_REXMT};
  struct sl__dump_row w, r;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  sl__dump_tcp(&w, &in, 1000000);
  sl__dump_write(f, &w);
  fclose(f);
  ck_assert_int_eq(sl__dump_parse(text, &r), 1);
  ck_assert_int_eq(r.nfields, SL__DUMP_FIELDS);
  ck_assert_int_eq(r.udp, 0);
  ck_assert_int_eq(r.state, SL_TCP_FIN_WAIT_1);
  ck_assert_uint_eq(r.laddr, in.laddr);
  ck_assert_uint_eq(r.rport, 62287);
  ck_assert_uint_eq(r.send_q, 100);
  ck_assert_uint_eq(r.recv_q, 7);
  ck_assert_str_eq(r.timer, "rexmt");
  ck_assert_uint_eq(r.timer_ms, 500);
  ck_assert_uint_eq(r.snd_una, 100); /* relative to ISS */
  ck_assert_uint_eq(r.rcv_nxt, 300); /* relative to IRS */
  ck_assert_uint_eq(r.rto_us, 200000);
  ck_assert_uint_eq(r.ssthresh, 2920);
  ck_assert_uint_eq(r.retransmits, 3);
  /* And every other field as written. */
  ck_assert_uint_eq(r.raddr, w.raddr);
  ck_assert_uint_eq(r.lport, w.lport);
  ck_assert_uint_eq(r.backoff, w.backoff);
  ck_assert_uint_eq(r.snd_mss, w.snd_mss);
  ck_assert_uint_eq(r.rcv_mss, w.rcv_mss);
  ck_assert_uint_eq(r.srtt_us, w.srtt_us);
  ck_assert_uint_eq(r.rttvar_us, w.rttvar_us);
  ck_assert_uint_eq(r.cwnd, w.cwnd);
  ck_assert_uint_eq(r.snd_nxt, w.snd_nxt);
  ck_assert_uint_eq(r.snd_wnd, w.snd_wnd);
  ck_assert_uint_eq(r.rcv_wnd, w.rcv_wnd);
  free(text);
}
END_TEST

START_TEST(test_dump_version_0_answer_is_read)
{
  struct sl__dump_row r;

  /* No "# DUMP" line, an 11-field TCP row: an older process. */
  ck_assert_int_eq(
      sl__dump_parse("tcp LISTEN 0.0.0.0 80 0.0.0.0 0 0 0 - 0 0\n", &r), 1);
  ck_assert_int_eq(r.nfields, SL__DUMP_SHORT);
  ck_assert_int_eq(r.state, SL_TCP_LISTEN);
  ck_assert_int_eq(
      sl__dump_parse("udp - 10.0.0.1 53 0.0.0.0 0 0 12 - 0 0\n", &r), 1);
  ck_assert_int_eq(r.udp, 1);
  ck_assert_uint_eq(r.recv_q, 12);
}
END_TEST

START_TEST(test_dump_header_and_bad_rows_are_not_rows)
{
  struct sl__dump_row r;

  ck_assert_int_eq(sl__dump_parse("# DUMP 1\n", &r), 0);
  ck_assert_int_eq(
      sl__dump_parse("tcp LISTEN 0.0.0.999 80 0.0.0.0 0 0 0 - 0 0\n", &r), 0);
  ck_assert_int_eq(
      sl__dump_parse("tcp NO-SUCH 0.0.0.0 80 0.0.0.0 0 0 0 - 0 0\n", &r), 0);
  ck_assert_int_eq(
      sl__dump_parse("tcp LISTEN 0.0.0.0 70000 0.0.0.0 0 0 0 - 0 0\n", &r), 0);
  ck_assert_int_eq(
      sl__dump_parse("sctp - 0.0.0.0 80 0.0.0.0 0 0 0 - 0 0\n", &r), 0);
  ck_assert_int_eq(sl__dump_parse("tcp LISTEN 0.0.0.0 80 0.0.0.0 0 0\n", &r),
                   0);
}
END_TEST

/* ---- sl_netstat in two threads at once ---------------------------------- */

struct explainer {
  const char *args, *want; /* what sl_netstat(args) must print */
  int wrong;               /* runs that printed something else */
};

static void *
explain_often(void *arg)
{
  struct explainer *e = arg;

  for (int i = 0; i < 300; i++) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    int r = sl_netstat(f, e->args);
    fclose(f);
    e->wrong += r != 0 || strncmp(out, e->want, strlen(e->want)) != 0;
    free(out);
  }
  return NULL;
}

/* Each thread reads its own options: no global state between the two
 * (getopt's optind and optarg were). */
START_TEST(test_threads_each_read_their_own_options)
{
  struct explainer a = {"-t --explain TIME_WAIT", "TIME_WAIT: this side"},
                   b = {"--explain=CLOSE_WAIT -u", "CLOSE_WAIT: the peer"};
  pthread_t ta, tb;

  ck_assert_int_eq(pthread_create(&ta, NULL, explain_often, &a), 0);
  ck_assert_int_eq(pthread_create(&tb, NULL, explain_often, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  ck_assert_int_eq(a.wrong, 0);
  ck_assert_int_eq(b.wrong, 0);
}
END_TEST

Suite *
netstat_suite(void)
{
  Suite *s = suite_create("netstat");
  TCase *tc = tcase_create("proc");

  tcase_add_test(tc, test_proc_tcp6_loopback_row_is_read);
  tcase_add_test(tc, test_proc_tcp6_short_address_is_dropped);
  tcase_add_test(tc, test_proc_tcp_bad_port_or_digits_are_dropped);
  tcase_add_test(tc, test_proc_tcp_listener_row_is_read);
  suite_add_tcase(s, tc);
  tc = tcase_create("dump");
  tcase_add_test(tc, test_dump_tcp_row_reads_back_as_written);
  tcase_add_test(tc, test_dump_version_0_answer_is_read);
  tcase_add_test(tc, test_dump_header_and_bad_rows_are_not_rows);
  suite_add_tcase(s, tc);
  tc = tcase_create("threads");
  tcase_add_test(tc, test_threads_each_read_their_own_options);
  suite_add_tcase(s, tc);
  return s;
}
