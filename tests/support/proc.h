/* proc.h -- running the real programs (bin/pushpull, bin/loadgen) from a
 * test: a child with its stdout and stderr on pipes, read until it ends,
 * every wait bounded (a child past its time is killed, by its pid). */
#ifndef PUSHPULL_TESTS_PROC_H
#define PUSHPULL_TESTS_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_run {
	int status;                     /* exit status, -1 if it had to be killed */
	char out[65536], err[8192];
	size_t out_len, err_len;
};

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t proc_now_ms(void);

/* Starts argv with stdout and stderr on pipes, and stdin on a pipe that
 * holds 'input' and then ends (NULL: stdin as ours); returns the pid. */
pid_t proc_spawn(char *const argv[], const char *input, int *out_fd, int *err_fd);

/* The same, the child running as user (and group) 'uid'. */
pid_t proc_spawn_as(char *const argv[], const char *input, uid_t uid, int *out_fd, int *err_fd);

/* Reads both pipes until the child closes them or 'ms' pass. */
void proc_drain(struct proc_run *r, int out_fd, int err_fd, int ms);

/* Waits at most 'ms' for the child to exit, then kills it. */
void proc_reap(struct proc_run *r, pid_t pid, int ms);

/* Runs a program to its end, at most 'ms', with 'input' on stdin (NULL:
 * ours). */
void proc_run_input(struct proc_run *r, char *const argv[], const char *input, int ms);
void proc_run(struct proc_run *r, char *const argv[], int ms);

/* Starts `pushpull serve ...` (argv, with --port 0) and reads from its
 * first line where it listens: "http://127.0.0.1:PORT" into 'base'. */
pid_t proc_serve_start(char *const argv[], int *so, int *se, char *base, size_t cap);
/* SIGINT: the server prints its ledgers and exits 0; its output is in 's'. */
void proc_serve_stop(pid_t srv, int so, int se, struct proc_run *s);

/* The unsigned number 'name' of the JSON object obj[0..len), failing the
 * test when it has none: for the programs' --json output. */
uint64_t proc_json_u64(const char *obj, size_t len, const char *name);

#endif
