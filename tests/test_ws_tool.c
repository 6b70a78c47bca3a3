/* test_ws_tool.c -- bin/wsframe end to end: bytes in on stdin, JSON lines
 * (or frame bytes) and an exit status out.  The program is run from bin/
 * (make test builds it first); each case writes its input to a temporary
 * file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs "bin/wsframe <args> < input"; returns the exit status and puts
 * stdout in 'out' (NUL-terminated). */
static int run(const char *args, const void *input, size_t len, char *out, size_t cap)
{
	char path[] = "/tmp/wsframe-test-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, input, len), (ssize_t)len);
	close(fd);

	char cmd[512];
	snprintf(cmd, sizeof cmd, "bin/wsframe %s < %s 2>/dev/null", args, path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	unlink(path);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* RFC 6455 §5.7: the masked "Hello", raw and as hex. */
START_TEST(decode_rfc_masked)
{
	static char out[1024];
	static const char frame[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
	static const char want[] =
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"text\",\"masked\":true,"
		"\"mask_key\":\"37fa213d\",\"length\":5,\"payload\":\"Hello\"}\n";

	ck_assert_int_eq(run("", frame, 11, out, sizeof out), 0);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(run("--hex --from client", "81 85 37fa213d\n7f9f4d5158\n", 26,
			     out, sizeof out), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

/* RFC 6455 §5.7: fragmented "Hel"+"lo" and a ping, from a server; a
 * binary message carries payload_hex on every frame. */
START_TEST(decode_server_frames)
{
	static char out[2048];
	const char *in = "01 03 48 65 6c  80 02 6c 6f  89 05 48 65 6c 6c 6f"
			 "  02 01 00  89 00  80 01 41";
	ck_assert_int_eq(run("--hex --from server", in, strlen(in), out, sizeof out), 0);
	ck_assert_str_eq(out,
		"{\"fin\":false,\"rsv\":0,\"opcode\":\"text\",\"masked\":false,\"length\":3,\"payload\":\"Hel\"}\n"
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"continuation\",\"masked\":false,\"length\":2,\"payload\":\"lo\"}\n"
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"ping\",\"masked\":false,\"length\":5,\"payload\":\"Hello\"}\n"
		"{\"fin\":false,\"rsv\":0,\"opcode\":\"binary\",\"masked\":false,\"length\":1,\"payload\":\"\\u0000\",\"payload_hex\":\"00\"}\n"
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"ping\",\"masked\":false,\"length\":0,\"payload\":\"\"}\n"
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"continuation\",\"masked\":false,\"length\":1,\"payload\":\"A\",\"payload_hex\":\"41\"}\n");
}
END_TEST

/* A violation prints the error with its close code and stops. */
START_TEST(decode_errors)
{
	static char out[1024];
	const char *in = "81 05 48 65 6c 6c 6f";           /* unmasked, from a client */
	ck_assert_int_eq(run("--hex", in, strlen(in), out, sizeof out), 1);
	ck_assert_str_eq(out, "{\"error\":\"unmasked frame from a client (RFC 6455 §5.1)\","
			      "\"close_code\":1002}\n");

	in = "81 01 61  83 00  81 01 62";                  /* reserved opcode in the middle */
	ck_assert_int_eq(run("--hex --from server", in, strlen(in), out, sizeof out), 1);
	ck_assert_str_eq(out,
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"text\",\"masked\":false,\"length\":1,\"payload\":\"a\"}\n"
		"{\"error\":\"reserved opcode (RFC 6455 §5.2)\",\"close_code\":1002}\n");

	in = "81 85 37 fa 21 3d 7f 9f";                    /* input ends inside a frame */
	ck_assert_int_eq(run("--hex", in, strlen(in), out, sizeof out), 1);
	ck_assert_str_eq(out, "{\"error\":\"input ends inside a frame\",\"close_code\":1006}\n");

	ck_assert_int_eq(run("--hex", "8g", 2, out, sizeof out), 1);   /* not hex */
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(run("", "", 0, out, sizeof out), 0);         /* nothing in, nothing out */
	ck_assert_str_eq(out, "");
}
END_TEST

/* --encode rebuilds the RFC 6455 §5.7 frames. */
START_TEST(encode_frames)
{
	static char out[1024];
	ck_assert_int_eq(run("--encode --opcode text --mask 37fa213d --hex Hello", "", 0,
			     out, sizeof out), 0);
	ck_assert_str_eq(out, "818537fa213d7f9f4d5158\n");
	ck_assert_int_eq(run("--encode --opcode text --no-fin --hex Hel", "", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "010348656c\n");
	ck_assert_int_eq(run("--encode --opcode continuation --hex lo", "", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "80026c6f\n");
	ck_assert_int_eq(run("--encode --opcode ping", "Hello", 5, out, sizeof out), 0);
	ck_assert_str_eq(out, "\x89\x05Hello");                   /* payload from stdin */
	ck_assert_int_eq(run("--encode --opcode 3 --hex -- -x", "", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "83022d78\n");                      /* a bad frame, on purpose */
}
END_TEST

/* 256 bytes from stdin get the 16-bit length form (RFC 6455 §5.7). */
START_TEST(encode_256)
{
	static char out[1024];
	char in[256];
	memset(in, 'z', sizeof in);
	ck_assert_int_eq(run("--encode --opcode binary --hex", in, sizeof in, out, sizeof out), 0);
	ck_assert(strncmp(out, "827e0100" "7a7a", 12) == 0);
	ck_assert_uint_eq(strlen(out), 2 * (4 + 256) + 1);
}
END_TEST

/* A Close shows its code and reason; a byte that is not UTF-8 is
 * "\udcXX", unlike the character U+00FF (util/json.h). */
START_TEST(decode_close_and_bytes)
{
	static char out[1024];
	const char *in = "88 05 03 e8 62 79 65  89 03 ff c3 bf";
	ck_assert_int_eq(run("--hex --from server", in, strlen(in), out, sizeof out), 0);
	ck_assert_str_eq(out,
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"close\",\"masked\":false,\"length\":5,"
		"\"payload\":\"\\u0003\\udce8bye\",\"code\":1000,\"reason\":\"bye\"}\n"
		"{\"fin\":true,\"rsv\":0,\"opcode\":\"ping\",\"masked\":false,\"length\":3,"
		"\"payload\":\"\\udcff\xc3\xbf\"}\n");
}
END_TEST

/* Input that cannot be read: exit status 1, and no frame made of nothing. */
START_TEST(read_errors)
{
	int st = system("bin/wsframe < / > /dev/null 2>&1");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	st = system("test \"$(bin/wsframe --encode --opcode text < / 2>/dev/null | wc -c)\" = 0");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = system("bin/wsframe --encode --opcode text < / > /dev/null 2>&1");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}
END_TEST

START_TEST(usage)
{
	static char out[2048];
	ck_assert_int_eq(run("--help", "", 0, out, sizeof out), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: wsframe"));
	ck_assert_int_eq(run("--bogus", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--from nobody", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--encode", "", 0, out, sizeof out), 2);         /* no --opcode */
	ck_assert_int_eq(run("--encode --opcode 16 x", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--encode --opcode text --mask 37fa21 x", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--encode --opcode text --mask 37fa21zz x", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--mask 37fa213d", "", 0, out, sizeof out), 2);  /* decoding */
	ck_assert_int_eq(run("payload", "", 0, out, sizeof out), 2);
	ck_assert_int_eq(run("--encode --opcode text a b", "", 0, out, sizeof out), 2);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_tool");
	TCase *tc = tcase_create("wsframe");
	tcase_add_test(tc, decode_rfc_masked);
	tcase_add_test(tc, decode_server_frames);
	tcase_add_test(tc, decode_errors);
	tcase_add_test(tc, encode_frames);
	tcase_add_test(tc, encode_256);
	tcase_add_test(tc, decode_close_and_bytes);
	tcase_add_test(tc, read_errors);
	tcase_add_test(tc, usage);
	suite_add_tcase(s, tc);
	return s;
}
