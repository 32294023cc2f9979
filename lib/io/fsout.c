#include "io/fsout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/path.h"
#include "base/rng.h"


/* A temporary name in the same directory as path, so that rename is atomic:
 * "dir/.base.XXXXXX". */
static char *temp_template(const char *path)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	char *name = xmalloc(strlen(base) + 9);
	sprintf(name, ".%s.XXXXXX", base);
	char *tmpl = path_join(dir, name);
	free(name);
	free(dcopy);
	free(bcopy);
	return tmpl;
}

/* The stream's writes, which keep the reason of the first that failed:
 * stdio forgets it once its buffer is dropped, and a message without it
 * ("unknown error") would not say the disk is full. */
static ssize_t afile_write(void *cookie, const char *buf, size_t n)
{
	struct afile *af = cookie;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(af->fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!af->err)
				af->err = w < 0 ? errno : EIO;
			errno = af->err;
			return 0; /* fopencookie: 0 is an error */
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int afile_close(void *cookie)
{
	struct afile *af = cookie;
	if (close(af->fd) != 0) {
		if (!af->err)
			af->err = errno;
		return -1;
	}
	return 0;
}

/* The stream over fd; NULL with errno on failure. */
static FILE *afile_stream(struct afile *af, int fd)
{
	af->fd = fd;
	af->err = 0;
	return fopencookie(af, "wb", (cookie_io_functions_t){ .write = afile_write,
							   .close = afile_close });
}

/* Creating a temporary name and registering it for removal happen with
 * the signals of cleanup held, so that no SIGINT between the two leaves
 * the name behind. */
static sigset_t hold_signals(void)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	return old;
}

static void release_signals(const sigset_t *old)
{
	int saved = errno;
	sigprocmask(SIG_SETMASK, old, NULL);
	errno = saved;
}

/* Drops the temporary name of a file not made (it may be another's);
 * errno kept. */
static void forget_tmp(struct afile *af)
{
	int saved = errno;
	free(af->tmp);
	af->tmp = NULL;
	errno = saved;
}

/* A new file of a temporary name beside af->path (mkstemp), registered for
 * removal, with the mode a plain creat would give; -1 with errno on
 * failure. */
static int open_named(struct afile *af)
{
	af->tmp = temp_template(af->path);
	sigset_t old = hold_signals();
	int fd = mkstemp(af->tmp);
	if (fd >= 0 && (af->handle = cleanup_add(af->tmp, false)) < 0) {
		unlink(af->tmp);
		close(fd);
		fd = -1;
		errno = ENAMETOOLONG;
	}
	release_signals(&old);
	if (fd < 0) {
		forget_tmp(af);
		return -1;
	}
	/* mkstemp makes the file 0600 */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return fd;
}

static bool unnamed_off;

void afile_unnamed_disable(bool off)
{
	unnamed_off = off;
}

/* An unnamed file (O_TMPFILE) in path's directory, so that a run killed by
 * SIGKILL, which no handler sees, leaves no temporary file behind; it is
 * named only when complete (name_unnamed), through /proc, since linkat on
 * the descriptor itself needs a capability.  -1 where the file system or
 * kernel has none, and where the temporary name would be too long: that
 * is refused now, by mkstemp, not after the work. */
static int open_unnamed(const char *path)
{
	if (access("/proc/self/fd", X_OK) != 0)
		return -1;
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *dir = dirname(dcopy);
	long name_max = pathconf(dir, _PC_NAME_MAX);
	int fd = -1;
	if (strlen(path) + 8 < PATH_MAX && name_max > 0 &&
	    strlen(basename(bcopy)) + 8 <= (size_t)name_max)
		fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	free(dcopy);
	free(bcopy);
	return fd;
}

/* Links the complete unnamed file to a new temporary name beside the
 * output, to be renamed over it (linkat cannot replace a file): 0, or -1
 * with errno. */
static int name_unnamed(struct afile *af)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", af->fd);
	af->tmp = temp_template(af->path);
	char *suffix = af->tmp + strlen(af->tmp) - 6;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct rng r;
	rng_seed(&r, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec, (uint64_t)getpid());
	for (int tries = 0;; tries++) {
		for (int i = 0; i < 6; i++)
			suffix[i] = chars[rng_below(&r, sizeof chars - 1)];
		sigset_t old = hold_signals();
		bool linked = linkat(AT_FDCWD, proc, AT_FDCWD, af->tmp, AT_SYMLINK_FOLLOW) == 0;
		if (linked && (af->handle = cleanup_add(af->tmp, false)) < 0)
			unlink(af->tmp);
		release_signals(&old);
		if (af->handle >= 0)
			return 0;
		if (linked)
			errno = ENAMETOOLONG;
		if (linked || errno != EEXIST || tries == 100) {
			forget_tmp(af);
			return -1;
		}
	}
}

/* The contents of the symbolic link path (malloc'd), or NULL with errno. */
static char *read_link(const char *path)
{
	for (size_t cap = 256;; cap *= 2) {
		char *to = xmalloc(cap);
		ssize_t n = readlink(path, to, cap);
		if (n >= 0 && (size_t)n < cap) {
			to[n] = '\0';
			return to;
		}
		free(to);
		if (n < 0)
			return NULL;
	}
}

/* Where writing through path lands (malloc'd): path itself, or the end of
 * its chain of symbolic links, which need not exist yet: through a
 * dangling link the file is created where the link points, as open(2)
 * would, and the link stays.  (realpath refuses a dangling link.)  NULL
 * with a message in err where a link cannot be read, or the chain is too
 * long. */
static char *link_end(const char *path, char *err)
{
	char *at = xstrdup(path);
	for (int hops = 0; hops <= 40; hops++) { /* Linux's own limit */
		struct stat st;
		if (lstat(at, &st) != 0 || !S_ISLNK(st.st_mode))
			return at;
		char *to = read_link(at);
		if (!to) {
			snprintf(err, ERRLEN, "%s: %s", at, strerror(errno));
			free(at);
			return NULL;
		}
		char *next = to;
		if (to[0] != '/') {
			char *dcopy = xstrdup(at);
			next = path_join(dirname(dcopy), to);
			free(dcopy);
			free(to);
		}
		free(at);
		at = next;
	}
	free(at);
	snprintf(err, ERRLEN, "%s: %s", path, strerror(ELOOP));
	return NULL;
}

/* Removes what a failed afile left (its temporary name, its path); errno
 * kept for the message. */
static void afile_discard(struct afile *af)
{
	int saved = errno;
	if (af->tmp) {
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
	}
	cleanup_forget(af->handle);
	free(af->path);
	af->path = NULL;
	errno = saved;
}

/* afile_open; an unnamed file only when allow_unnamed. */
static FILE *open_afile(struct afile *af, const char *path, bool allow_unnamed, char *err)
{
	af->fp = NULL;
	af->path = af->tmp = NULL;
	af->handle = -1;
	af->unnamed = false;
	if (!*path) {
		/* programs refuse it first, as bad usage (cli/outputs) */
		snprintf(err, ERRLEN, "an empty file name cannot be written");
		return NULL;
	}
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(err, ERRLEN, "%s: is a directory", path);
		return NULL;
	}
	/* The temporary file would be made beside "x" and only its rename to
	 * "x/" fail, after the work. */
	if (path[strlen(path) - 1] == '/') {
		snprintf(err, ERRLEN, "%s: a file name cannot end with '/'", path);
		return NULL;
	}
	int fd;
	if (exists && !S_ISREG(st.st_mode)) {
		af->path = xstrdup(path);
		if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0) {
			snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
			afile_discard(af);
			return NULL;
		}
	} else {
		if (!(af->path = link_end(path, err)))
			return NULL;
		fd = allow_unnamed ? open_unnamed(af->path) : -1;
		af->unnamed = fd >= 0;
		if (fd < 0 && (fd = open_named(af)) < 0) {
			snprintf(err, ERRLEN, "%s: cannot create: %s", path, strerror(errno));
			afile_discard(af);
			return NULL;
		}
	}
	if (!(af->fp = afile_stream(af, fd))) {
		snprintf(err, ERRLEN, "%s: %s", af->path, strerror(errno));
		close(fd);
		afile_discard(af);
	}
	return af->fp;
}

FILE *afile_open(struct afile *af, const char *path, char *err)
{
	return open_afile(af, path, !unnamed_off, err);
}

int afile_commit(struct afile *af, char *err)
{
	errno = 0;
	int bad = fflush(af->fp) != 0 || ferror(af->fp);
	/* named once complete, while its descriptor is still open */
	if (!bad && af->unnamed && name_unnamed(af) != 0) {
		snprintf(err, ERRLEN, "%s: cannot create: %s", af->path, strerror(errno));
		afile_abandon(af);
		return -1;
	}
	if (fclose(af->fp) != 0)
		bad = 1;
	af->fp = NULL;
	if (bad) {
		snprintf(err, ERRLEN, "%s: write error: %s", af->path,
			 strerror(af->err ? af->err : errno ? errno : EIO));
		afile_discard(af);
		return -1;
	}
	if (af->tmp && rename(af->tmp, af->path) != 0) {
		snprintf(err, ERRLEN, "%s: cannot rename into place: %s", af->path,
			 strerror(errno));
		afile_discard(af);
		return -1;
	}
	cleanup_forget(af->handle);
	free(af->tmp);
	free(af->path);
	return 0;
}

void afile_abandon(struct afile *af)
{
	fclose(af->fp);
	af->fp = NULL;
	afile_discard(af);
}

int afile_probe(const char *path, char *err)
{
	struct stat st;
	/* A device or FIFO is opened when written (opening a FIFO would wait
	 * for its reader). */
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	/* Named, so that a name the file system refuses is refused now. */
	struct afile af;
	if (!open_afile(&af, path, false, err))
		return -1;
	afile_abandon(&af);
	return 0;
}

/* Where a file named path is (malloc'd): the end of its chain of
 * symbolic links, in a directory without '.', '..' or links, so that two
 * names of one file compare equal; NULL where its directory does not
 * resolve, and NULL with a message in err where the chain does not. */
static char *file_identity(const char *path, char *err)
{
	char *end = link_end(path, err);
	if (!end)
		return NULL;
	char *dcopy = xstrdup(end), *bcopy = xstrdup(end);
	char *dir = realpath(dirname(dcopy), NULL);
	char *id = dir ? path_join(dir, basename(bcopy)) : NULL;
	free(dir);
	free(dcopy);
	free(bcopy);
	free(end);
	return id;
}

int same_file(const char *a, const char *b, char *err)
{
	struct stat sa, sb;
	bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if ((ea && !S_ISREG(sa.st_mode)) || (eb && !S_ISREG(sb.st_mode)))
		return 0;
	if (ea && eb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea != eb)
		return 0;
	*err = '\0';
	char *ia = file_identity(a, err), *ib = *err ? NULL : file_identity(b, err);
	int same = *err ? -1 : ia && ib && strcmp(ia, ib) == 0;
	free(ia);
	free(ib);
	return same;
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int staged_dir_begin(struct staged_dir *sd, const char *path, char *err)
{
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	mode_t mode = 0777 & ~mask; /* a new directory's, or the empty one's it replaces */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, ERRLEN, "%s: is a symbolic link; give the directory itself", path);
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, ERRLEN, "%s: exists and is not a directory", path);
			return -1;
		}
		int empty = dir_is_empty(path);
		if (empty < 0) {
			snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (!empty) {
			snprintf(err, ERRLEN,
				 "%s: directory is not empty; choose a new output directory", path);
			return -1;
		}
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	sd->tmp = temp_template(path);
	sigset_t old = hold_signals();
	bool made = mkdtemp(sd->tmp) != NULL;
	if (made && (sd->handle = cleanup_add(sd->tmp, true)) < 0) {
		rmdir(sd->tmp);
		made = false;
		errno = ENAMETOOLONG;
	}
	release_signals(&old);
	if (!made) {
		snprintf(err, ERRLEN, "%s: cannot create a directory beside it: %s", path,
			 strerror(errno));
		free(sd->tmp);
		return -1;
	}
	sd->path = xstrdup(path);
	chmod(sd->tmp, mode);
	return 0;
}

char *staged_dir_subdir(struct staged_dir *sd, const char *sub, char *err)
{
	char *p = path_join(sd->tmp, sub);
	if (mkdir(p, 0777) != 0 && errno != EEXIST) {
		snprintf(err, ERRLEN, "%s: cannot create directory: %s", p, strerror(errno));
		free(p);
		return NULL;
	}
	return p;
}

/* Removes the tree of a failed commit; errno kept for the message. */
static void staged_dir_discard(struct staged_dir *sd)
{
	int saved = errno;
	remove_tree(sd->tmp);
	cleanup_forget(sd->handle);
	free(sd->tmp);
	free(sd->path);
	errno = saved;
}

int staged_dir_commit(struct staged_dir *sd, char *err)
{
	sigset_t old = hold_signals();
	/* An empty directory of that name was allowed; it is replaced. */
	bool replaced = rmdir(sd->path) == 0;
	if (!replaced && errno != ENOENT) {
		snprintf(err, ERRLEN, "%s: cannot replace: %s", sd->path, strerror(errno));
		staged_dir_discard(sd);
		release_signals(&old);
		return -1;
	}
	if (rename(sd->tmp, sd->path) != 0) {
		snprintf(err, ERRLEN, "%s: cannot rename into place: %s", sd->path,
			 strerror(errno));
		if (replaced)
			mkdir(sd->path, 0777);
		staged_dir_discard(sd);
		release_signals(&old);
		return -1;
	}
	cleanup_moved(sd->handle, sd->path, replaced);
	release_signals(&old);
	return 0;
}

void staged_dir_keep(struct staged_dir *sd)
{
	cleanup_forget(sd->handle);
	free(sd->tmp);
	free(sd->path);
}

int log_trim(const char *path, double upto, char *err)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return 0;
	struct afile af;
	FILE *out = afile_open(&af, path, err);
	if (!out) {
		fclose(in);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	/* a kimg read back may differ in the last bit from the one computed */
	while (getline(&line, &cap, in) > 0)
		if (atof(line) <= upto + 1e-9)
			fputs(line, out);
	free(line);
	fclose(in);
	return afile_commit(&af, err);
}
