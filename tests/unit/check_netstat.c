/* The netstat clone's parsers (lib/obs/netstat.c) on what the kernel
 * writes, and on lines it never writes: a malformed line is dropped,
 * never half-read. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/netstat_priv.h"
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
  return s;
}
