/* proc.c -- running the real programs from a test; see proc.h. */
#include "support/proc.h"
#include "util/json.h"

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t proc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Starts argv with stdout and stderr on pipes, and stdin on a pipe that
 * holds 'input' and then ends (NULL: stdin as ours); returns the pid. */
pid_t proc_spawn(char *const argv[], const char *input, int *out_fd, int *err_fd)
{
	return proc_spawn_as(argv, input, (uid_t)-1, out_fd, err_fd);
}

pid_t proc_spawn_as(char *const argv[], const char *input, uid_t uid, int *out_fd, int *err_fd)
{
	int o[2], e[2], in[2] = { -1, -1 };
	ck_assert_int_eq(pipe(o), 0);
	ck_assert_int_eq(pipe(e), 0);
	if (input)
		ck_assert_int_eq(pipe(in), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (input) {
			dup2(in[0], 0);
			close(in[0]);
			close(in[1]);
		}
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		close(o[1]);
		close(e[1]);
		if (uid != (uid_t)-1 && (setgid((gid_t)uid) < 0 || setuid(uid) < 0))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (input) {                    /* small: the pipe holds it all */
		close(in[0]);
		ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
		close(in[1]);
	}
	close(o[1]);
	close(e[1]);
	*out_fd = o[0];
	*err_fd = e[0];
	return pid;
}

/* Reads both pipes until the child closes them or 'ms' pass. */
void proc_drain(struct proc_run *r, int out_fd, int err_fd, int ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	bool out_open = true, err_open = true;
	while ((out_open || err_open) && proc_now_ms() < end) {
		struct pollfd p[2] = { { out_open ? out_fd : -1, POLLIN, 0 },
				       { err_open ? err_fd : -1, POLLIN, 0 } };
		if (poll(p, 2, (int)(end - proc_now_ms())) <= 0)
			break;
		if (p[0].revents) {
			ssize_t n = read(out_fd, r->out + r->out_len, sizeof r->out - 1 - r->out_len);
			if (n <= 0)
				out_open = false;
			else
				r->out_len += (size_t)n;
		}
		if (p[1].revents) {
			ssize_t n = read(err_fd, r->err + r->err_len, sizeof r->err - 1 - r->err_len);
			if (n <= 0)
				err_open = false;
			else
				r->err_len += (size_t)n;
		}
	}
	r->out[r->out_len] = '\0';
	r->err[r->err_len] = '\0';
}

void proc_reap(struct proc_run *r, pid_t pid, int ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)ms;
	int st;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (proc_now_ms() > end) {
			kill(pid, SIGKILL);     /* ours, by its pid */
			waitpid(pid, &st, 0);
			r->status = -1;
			return;
		}
		struct pollfd none;
		poll(&none, 0, 10);     /* a bounded wait for the exit, not a sync point */
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a program to its end, at most 'ms', with 'input' on stdin (NULL:
 * ours). */
void proc_run_input(struct proc_run *r, char *const argv[], const char *input, int ms)
{
	memset(r, 0, sizeof *r);
	int o, e;
	pid_t pid = proc_spawn(argv, input, &o, &e);
	proc_drain(r, o, e, ms);
	close(o);
	close(e);
	proc_reap(r, pid, 1000);
}

void proc_run(struct proc_run *r, char *const argv[], int ms)
{
	proc_run_input(r, argv, NULL, ms);
}

pid_t proc_serve_start(char *const argv[], int *so, int *se, char *base, size_t cap)
{
	pid_t srv = proc_spawn(argv, NULL, so, se);
	/* The first line says where it listens. */
	char line[256] = "";
	size_t n = 0;
	uint64_t end = proc_now_ms() + 5000;
	while (!memchr(line, '\n', n) && proc_now_ms() < end) {
		struct pollfd p = { *so, POLLIN, 0 };
		if (poll(&p, 1, 100) == 1) {
			ssize_t k = read(*so, line + n, sizeof line - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			line[n] = '\0';
		}
	}
	const char *at = strstr(line, "http://");
	ck_assert_msg(at != NULL, "no address in: %s", line);
	snprintf(base, cap, "%.*s", (int)strcspn(at, " \n"), at);
	return srv;
}

void proc_serve_stop(pid_t srv, int so, int se, struct proc_run *s)
{
	kill(srv, SIGINT);                      /* ours, by its pid */
	memset(s, 0, sizeof *s);
	proc_drain(s, so, se, 5000);
	close(so);
	close(se);
	proc_reap(s, srv, 2000);
	ck_assert_int_eq(s->status, 0);
}

uint64_t proc_json_u64(const char *obj, size_t len, const char *name)
{
	size_t vl;
	uint64_t v = 0;
	const char *p = json_get(obj, len, name, &vl);
	ck_assert_msg(p && json_u64(p, vl, &v), "no %s in %.*s", name, (int)len, obj);
	return v;
}
