#include "io/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/path.h"

/* 0 when gnuplot is on PATH; -1 otherwise, naming the option that needs
 * it. */
static int require_gnuplot(const char *option, char *err)
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
				return 0;
			}
		}
		free(dirs);
	}
	snprintf(err, ERRLEN,
		 "%s needs gnuplot, which is not on PATH (Debian package gnuplot-nox)", option);
	return -1;
}

int plot_open(struct plot *p, const char *option, const char *path, char *err)
{
	memset(p, 0, sizeof *p);
	p->path = path;
	if (require_gnuplot(option, err) || !afile_open(&p->af, path, err))
		return -1;
	return 0;
}

/* Runs gnuplot with the script (a memory file) as its stdin and its stdout
 * on a pipe; returns its pid and the read end of the pipe, or -1. */
static pid_t spawn_gnuplot(int script_fd, int *from_gp, char *err)
{
	int out[2];
	/* Close-on-exec, so gnuplot holds no write end of its own output: we
	 * would never see the end of it. */
	if (pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, ERRLEN, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, ERRLEN, "fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0) {
		/* Copies above 2 first, in case a descriptor is 0 or 1 and the
		 * first dup2 would replace the other. */
		int i = fcntl(script_fd, F_DUPFD_CLOEXEC, 3), o = fcntl(out[1], F_DUPFD_CLOEXEC, 3);
		if (i < 0 || o < 0 || dup2(i, STDIN_FILENO) < 0 || dup2(o, STDOUT_FILENO) < 0)
			_exit(127);
		/* -d: no ~/.gnuplot or system init file, which could change
		 * the chart (set decimalsign ',') */
		execlp("gnuplot", "gnuplot", "-d", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	*from_gp = out[0];
	return pid;
}

FILE *plot_begin(struct plot *p, char *err)
{
	/* A memory file rather than a pipe: gnuplot reads the whole script
	 * from it while we only read its output, so neither side can block
	 * the other, and no write to gnuplot can raise SIGPIPE. */
	int fd = memfd_create("gnuplot-script", MFD_CLOEXEC);
	if (fd < 0 || !(p->gp = fdopen(fd, "w+"))) {
		snprintf(err, ERRLEN, "%s: %s", p->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		afile_abandon(&p->af);
	}
	return p->gp;
}

/* Copies what gnuplot writes into the output through our own stream, so
 * that a write error (a full disk) is ours to see: gnuplot does not report
 * its own.  Returns the bytes it wrote, or -1 when its output cannot be
 * read. */
static ssize_t copy_output(struct plot *p, int from_gp, char *err)
{
	ssize_t got = 0;
	char buf[65536];
	for (;;) {
		ssize_t r = read(from_gp, buf, sizeof buf);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, ERRLEN, "%s: reading gnuplot's output: %s", p->path,
				 strerror(errno));
			got = -1;
			break;
		}
		fwrite(buf, 1, (size_t)r, p->af.fp);
		got += r;
	}
	close(from_gp);
	return got;
}

/* Waits for gnuplot: 0 when it succeeded and wrote got bytes, -1
 * otherwise. */
static int wait_gnuplot(const struct plot *p, pid_t pid, ssize_t got, char *err)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, ERRLEN, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, ERRLEN, "%s: cannot run gnuplot", p->path);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, ERRLEN, "%s: gnuplot failed", p->path);
		return -1;
	}
	if (got == 0) {
		snprintf(err, ERRLEN, "%s: gnuplot wrote no image", p->path);
		return -1;
	}
	return 0;
}

/* gnuplot run on the script, its output copied into the file: 0, or -1
 * (the file not committed). */
static int run_gnuplot(struct plot *p, char *err)
{
	if (fflush(p->gp) != 0 || ferror(p->gp) || lseek(fileno(p->gp), 0, SEEK_SET) != 0) {
		snprintf(err, ERRLEN, "%s: writing the gnuplot script: %s", p->path,
			 strerror(errno));
		return -1;
	}
	int from_gp;
	pid_t pid = spawn_gnuplot(fileno(p->gp), &from_gp, err);
	if (pid < 0)
		return -1;
	ssize_t got = copy_output(p, from_gp, err);
	if (got < 0) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return wait_gnuplot(p, pid, got, err);
}

int plot_finish(struct plot *p, char *err)
{
	int rc = run_gnuplot(p, err);
	fclose(p->gp);
	p->gp = NULL;
	if (rc) {
		afile_abandon(&p->af);
		return -1;
	}
	/* a write error (ENOSPC) is reported here, the file removed */
	return afile_commit(&p->af, err);
}

int plot_draw(struct plot *p, void (*script)(FILE *gp, const void *arg), const void *arg,
	      char *err)
{
	FILE *gp = plot_begin(p, err);
	if (!gp)
		return -1;
	script(gp, arg);
	return plot_finish(p, err);
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
