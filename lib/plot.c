#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "mem.h"

static void require_gnuplot(const char *option)
{
	const char *path = getenv("PATH");
	if (path) {
		char *dirs = xstrdup(path), *save = NULL;
		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			char *exe = path_join(*d ? d : ".", "gnuplot");
			int ok = access(exe, X_OK) == 0;
			free(exe);
			if (ok) {
				free(dirs);
				return;
			}
		}
		free(dirs);
	}
	die("%s needs gnuplot, which is not on PATH (Debian package gnuplot-nox)", option);
}

void plot_open(struct plot *p, const char *option, const char *path)
{
	if (!*path)
		die_usage("%s: empty file name", option);
	memset(p, 0, sizeof *p);
	p->path = path;
	p->pid = -1;
	require_gnuplot(option);
	afile_open(&p->af, path);
}

/* Runs gnuplot with its stdin and stdout on pipes; returns its pid, the
 * write end of its stdin and the read end of its stdout. */
static pid_t spawn_gnuplot(int *to_gp, int *from_gp)
{
	int in[2], out[2];
	/* Close-on-exec, so gnuplot holds no end of its own pipes: it would
	 * never see the end of its input, nor we of its output. */
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Copies above 2 first, in case a descriptor is 0 or 1 and the
		 * first dup2 would replace the other. */
		int i = fcntl(in[0], F_DUPFD_CLOEXEC, 3), o = fcntl(out[1], F_DUPFD_CLOEXEC, 3);
		if (i < 0 || o < 0 || dup2(i, STDIN_FILENO) < 0 || dup2(o, STDOUT_FILENO) < 0)
			_exit(127);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to_gp = in[1];
	*from_gp = out[0];
	return pid;
}

FILE *plot_begin(struct plot *p)
{
	p->script = NULL;
	p->script_len = 0;
	p->gp = open_memstream(&p->script, &p->script_len);
	if (!p->gp)
		die("%s: %s", p->path, strerror(errno));
	return p->gp;
}

/* Feeds the script to gnuplot while copying what it writes into the
 * output through our own stream, so that a write error (a full disk) is
 * ours to see: gnuplot does not report its own.  Returns the bytes it
 * wrote. */
static size_t run_gnuplot(struct plot *p)
{
	int to_gp, from_gp;
	p->pid = spawn_gnuplot(&to_gp, &from_gp);
	/* If gnuplot dies early, a write must fail with EPIPE rather than kill
	 * us before we can say why; its exit status tells what happened. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	fcntl(to_gp, F_SETFL, fcntl(to_gp, F_GETFL) | O_NONBLOCK);
	size_t sent = 0, got = 0;
	char buf[65536];
	while (from_gp >= 0) {
		if (to_gp >= 0 && sent == p->script_len) {
			close(to_gp);
			to_gp = -1;
		}
		struct pollfd fds[2] = { { .fd = from_gp, .events = POLLIN },
					 { .fd = to_gp, .events = POLLOUT } };
		if (poll(fds, to_gp >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (to_gp >= 0 && fds[1].revents) {
			ssize_t w = write(to_gp, p->script + sent, p->script_len - sent);
			if (w > 0) {
				sent += (size_t)w;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				/* gnuplot stopped reading: its status says why */
				close(to_gp);
				to_gp = -1;
			}
		}
		if (fds[0].revents) {
			ssize_t r = read(from_gp, buf, sizeof buf);
			if (r > 0) {
				fwrite(buf, 1, (size_t)r, p->af.fp);
				got += (size_t)r;
			} else if (r == 0) {
				close(from_gp);
				from_gp = -1;
			} else if (errno != EINTR && errno != EAGAIN) {
				die("%s: reading gnuplot's output: %s", p->path, strerror(errno));
			}
		}
	}
	if (to_gp >= 0)
		close(to_gp);
	sigaction(SIGPIPE, &old, NULL);
	return got;
}

void plot_finish(struct plot *p)
{
	if (fclose(p->gp) != 0)
		die("%s: %s", p->path, strerror(errno));
	p->gp = NULL;
	size_t got = run_gnuplot(p);
	free(p->script);
	p->script = NULL;
	int status;
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	p->pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		die("%s: cannot run gnuplot", p->path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s: gnuplot failed", p->path);
	if (got == 0)
		die("%s: gnuplot wrote no image", p->path);
	/* a write error (ENOSPC) is reported here, the file removed */
	afile_commit(&p->af);
}

void plot_draw(struct plot *p, void (*script)(FILE *gp, const void *arg), const void *arg)
{
	script(plot_begin(p), arg);
	plot_finish(p);
}

void plot_png_terminal(FILE *gp, unsigned w, unsigned h)
{
	fprintf(gp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		    "  set terminal pngcairo noenhanced size %u,%u\n"
		    "} else {\n"
		    "  set terminal png noenhanced size %u,%u\n"
		    "}\n",
		w, h, w, h);
	/* No file name: the PNG goes to gnuplot's stdout, our temporary file. */
	fputs("set output\nset termoption noenhanced\n", gp);
}

/* Backslash and quote are escaped, control bytes written in octal so that
 * no byte can end the command; gnuplot's single-quoted strings would need
 * no escapes, but its parser mishandles a doubled quote at their start. */
void plot_put_string(FILE *gp, const char *s)
{
	putc('"', gp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(gp, "\\%c", ch);
		else if (ch == '`') /* gnuplot runs `...` as a shell command */
			fputs("\\140", gp);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(gp, "\\%03o", ch);
		else
			putc(ch, gp);
	}
	putc('"', gp);
}
