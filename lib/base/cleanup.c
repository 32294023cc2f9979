#include "base/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Few outputs are open at once (one file, or one staged directory).  The
 * table is static and removal uses only system calls, so the signal
 * handler calls nothing that could deadlock on a lock the interrupted code
 * holds (malloc's, for one). */
#define MAX_PENDING 16

static struct pending {
	char path[PATH_MAX];
	bool used, is_dir;
	bool recreate; /* an empty directory goes back where the tree was */
} pending[MAX_PENDING];

int cleanup_add(const char *path, bool is_dir)
{
	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int i = 0; i < MAX_PENDING; i++) {
		if (!pending[i].used) {
			strcpy(pending[i].path, path);
			pending[i].is_dir = is_dir;
			pending[i].recreate = false;
			pending[i].used = true;
			return i;
		}
	}
	fputs("internal error: too many pending outputs\n", stderr);
	abort();
}

void cleanup_forget(int handle)
{
	if (handle >= 0 && handle < MAX_PENDING)
		pending[handle].used = false;
}

void cleanup_moved(int handle, const char *path, bool recreate)
{
	/* The path was accepted by cleanup_add in its temporary sibling's
	 * longer form, so it fits. */
	strcpy(pending[handle].path, path);
	pending[handle].recreate = recreate;
}

/* Removes what dirfd holds, then closes it; our trees are shallow (a
 * staged directory of class directories), but any depth works. */
static int empty_dir(int dirfd)
{
	/* getdents64 directly: readdir may allocate. */
	char buf[4096];
	int rc = 0;
	long n;
	while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof buf)) > 0) {
		for (long at = 0; at < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + at);
			at += e->d_reclen;
			const char *name = e->d_name;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			/* d_type may be DT_UNKNOWN: then unlinking says EISDIR. */
			if (e->d_type != DT_DIR && unlinkat(dirfd, name, 0) == 0)
				continue;
			if (e->d_type != DT_DIR && errno != EISDIR) {
				rc = -1;
				continue;
			}
			int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || empty_dir(sub) != 0 || unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
				rc = -1;
		}
	}
	close(dirfd);
	return n < 0 ? -1 : rc;
}

int remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (empty_dir(fd) != 0)
		return -1;
	return rmdir(path);
}

void cleanup_run(void)
{
	int saved = errno;
	for (int i = 0; i < MAX_PENDING; i++) {
		if (!pending[i].used)
			continue;
		pending[i].used = false;
		if (pending[i].is_dir) {
			if (remove_tree(pending[i].path) == 0 && pending[i].recreate)
				mkdir(pending[i].path, 0777);
		} else
			unlink(pending[i].path);
	}
	errno = saved;
}

static void on_signal(int sig)
{
	cleanup_run();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cleanup_install_signals(void)
{
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction sa = { 0 };
		struct sigaction old;
		sigaction(sigs[i], NULL, &old);
		if (old.sa_handler == SIG_IGN)
			continue; /* respect nohup and friends */
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}
