/*
 * Host resources and child processes; see host.h.
 */
#include "host.h"
#include "../core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char reg_dir[1024];
static char reg_file[PATH_MAX];
static char scratch[PATH_MAX];

const char *host_registry_dir(void)
{
	const char *xdg;

	if (reg_dir[0] != '\0')
		return reg_dir;
	if (geteuid() == 0)
		snprintf(reg_dir, sizeof(reg_dir), "/run/qnetsim");
	else if ((xdg = getenv("XDG_RUNTIME_DIR")) != NULL && xdg[0] == '/')
		snprintf(reg_dir, sizeof(reg_dir), "%s/qnetsim", xdg);
	else
		snprintf(reg_dir, sizeof(reg_dir), "/tmp/qnetsim-%u", (unsigned)geteuid());
	if (mkdir(reg_dir, 0700) < 0 && errno != EEXIST)
		log_debug("host: cannot make %s: %s", reg_dir, strerror(errno));
	return reg_dir;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks.
 * With the pid it names one process for good (pids are reused). */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');      /* the name may hold spaces and parens */
	if (p == NULL)
		return 0;
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

void host_record(const char *kind, const char *name)
{
	FILE *f;
	bool fresh;

	if (reg_file[0] == '\0')
		snprintf(reg_file, sizeof(reg_file), "%s/%d", host_registry_dir(), (int)getpid());
	fresh = access(reg_file, F_OK) != 0;
	f = fopen(reg_file, "ae");
	if (f == NULL) {
		log_debug("host: cannot write %s: %s", reg_file, strerror(errno));
		return;
	}
	if (fresh)
		fprintf(f, "qnetsim %d %llu\n", (int)getpid(), proc_start(getpid()));
	fprintf(f, "%s %s\n", kind, name);
	fclose(f);
}

void host_forget(const char *kind, const char *name)
{
	char line[PATH_MAX + 32], want[PATH_MAX + 32];
	char *keep = NULL;
	size_t klen = 0, kcap = 0;
	bool removed = false;
	int entries = 0;
	FILE *f;

	if (reg_file[0] == '\0' || (f = fopen(reg_file, "re")) == NULL)
		return;
	snprintf(want, sizeof(want), "%s %s\n", kind, name);
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line);

		if (!removed && strcmp(line, want) == 0) {
			removed = true;
			continue;
		}
		if (strncmp(line, "qnetsim ", 8) != 0)
			entries++;
		if (klen + n + 1 > kcap) {
			kcap = (klen + n + 1) * 2;
			keep = xrealloc(keep, kcap);
		}
		memcpy(keep + klen, line, n);
		klen += n;
	}
	fclose(f);
	if (entries == 0) {
		unlink(reg_file);
	} else if ((f = fopen(reg_file, "we")) != NULL) {
		fwrite(keep, 1, klen, f);
		fclose(f);
	}
	free(keep);
}

/* Kills every process whose network namespace is the file at path. */
static int kill_netns_procs(const char *path)
{
	struct stat ns, st;
	struct dirent *de;
	char p[64];
	int killed = 0;
	DIR *d;

	if (stat(path, &ns) < 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid_t pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(de->d_name);
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
		if (pid == getpid() || stat(p, &st) < 0)
			continue;
		if (st.st_ino == ns.st_ino && st.st_dev == ns.st_dev && kill(pid, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}

/* Removes the sockets (or, for scratch dirs, regular files) in dir, then dir. */
static void remove_dir(const char *dir, bool sockets_only)
{
	struct dirent *de;
	char p[PATH_MAX];
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISSOCK(st.st_mode) || (!sockets_only && S_ISREG(st.st_mode)))
			unlink(p);
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		log_debug("host: rmdir %s: %s", dir, strerror(errno));
}

void host_remove(const char *kind, const char *name)
{
	char out[256];

	if (strcmp(kind, HOST_NETNS) == 0) {
		char path[PATH_MAX];
		const char *del[] = { "ip", "netns", "delete", name, NULL };

		snprintf(path, sizeof(path), "/run/netns/%s", name);
		if (access(path, F_OK) != 0)
			return;
		kill_netns_procs(path);
		if (host_run(del, NULL, out, sizeof(out)) != 0)
			log_debug("host: ip netns delete %s: %s", name, out);
	} else if (strcmp(kind, HOST_LINK) == 0) {
		char path[PATH_MAX];
		const char *del[] = { "ip", "link", "delete", name, NULL };

		snprintf(path, sizeof(path), "/sys/class/net/%s", name);
		if (access(path, F_OK) != 0)
			return;
		if (host_run(del, NULL, out, sizeof(out)) != 0)
			log_debug("host: ip link delete %s: %s", name, out);
	} else if (strcmp(kind, HOST_VDEDIR) == 0) {
		remove_dir(name, true);
	} else if (strcmp(kind, HOST_DIR) == 0) {
		remove_dir(name, false);
	}
}

int host_cleanup_stale(FILE *out)
{
	const char *dir = host_registry_dir();
	struct dirent *de;
	int removed = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 300], line[PATH_MAX + 32];
		unsigned long long start = 0;
		int pid = 0;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		if (atoi(de->d_name) == (int)getpid())
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL ||
		    sscanf(line, "qnetsim %d %llu", &pid, &start) != 2 ||
		    (proc_start(pid) == start && start != 0)) {
			fclose(f);      /* alive (or not ours to judge) */
			continue;
		}
		while (fgets(line, sizeof(line), f) != NULL) {
			char *sp = strchr(line, ' ');

			line[strcspn(line, "\n")] = '\0';
			if (sp == NULL)
				continue;
			*sp = '\0';
			host_remove(line, sp + 1);
			if (out != NULL)
				fprintf(out, "qnetsim: removed %s %s left by qnetsim pid %d, which "
					     "is gone\n", line, sp + 1, pid);
			removed++;
		}
		fclose(f);
		unlink(path);
	}
	closedir(d);
	return removed;
}

const char *host_scratch_dir(void)
{
	if (scratch[0] != '\0')
		return scratch;
	snprintf(scratch, sizeof(scratch), "%s/%d.d", host_registry_dir(), (int)getpid());
	if (mkdir(scratch, 0700) < 0 && errno != EEXIST)
		log_debug("host: mkdir %s: %s", scratch, strerror(errno));
	host_record(HOST_DIR, scratch);
	return scratch;
}

/* In the child: joins the namespace, with a mount namespace of its own
 * where /sys shows that network namespace's devices (as `ip netns exec`
 * arranges) and /etc/netns/NAME/resolv.conf, if there is one, stands in
 * for /etc/resolv.conf. */
static int child_enter_netns(const char *netns)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		dprintf(2, "qnetsim: cannot enter network namespace %s: %s\n", netns,
			strerror(errno));
		return -1;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) == 0) {
		if (umount2("/sys", MNT_DETACH) == 0)
			mount(netns, "/sys", "sysfs", 0, NULL);
		snprintf(path, sizeof(path), "/etc/netns/%s/resolv.conf", netns);
		if (access(path, R_OK) == 0)
			mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL);
	}
	return 0;
}

static void child_exec(const char *const argv[], const char *netns, int outfd, int keepfd,
		       pid_t parent)
{
	int null = open("/dev/null", O_RDONLY);
	int keep = keepfd >= 0 ? fcntl(keepfd, F_DUPFD, 10) : -1;  /* clear of 0..3 */

	if (parent > 0) {
		setpgid(0, 0);          /* its own group: a timeout kills all of it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
	}
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (null >= 0)
		dup2(null, 0);
	dup2(outfd, 1);
	dup2(outfd, 2);
	if (keepfd >= 0 && (keep < 0 || dup2(keep, 3) < 0)) {
		dprintf(2, "qnetsim: cannot give %s its descriptor 3: %s\n", argv[0],
			strerror(errno));
		_exit(126);
	}
	syscall(SYS_close_range, keep >= 0 ? 4U : 3U, ~0U, 0U);
	if (netns != NULL && child_enter_netns(netns) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "qnetsim: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int host_run(const char *const argv[], const char *netns, char *out, size_t outlen)
{
	size_t have = 0;
	int p[2], status;
	pid_t pid;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, netns, p[1], -1, 0);
	close(p[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out != NULL && have + 1 < outlen) {
			size_t take = MIN((size_t)n, outlen - 1 - have);

			memcpy(out + have, buf, take);
			have += take;
			out[have] = '\0';
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	/* One line for messages: newlines become "; ". */
	while (have > 0 && (out[have - 1] == '\n' || out[have - 1] == ' '))
		out[--have] = '\0';
	for (size_t i = 0; out != NULL && i < have; i++)
		if (out[i] == '\n')
			out[i] = ';';
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

pid_t host_spawn(const char *const argv[], const char *netns, int keepfd, int *outfd,
		 int *pidfd, char *err)
{
	pid_t parent = getpid(), pid;
	int p[2];

	*outfd = *pidfd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		errf(err, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		errf(err, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int fl = fcntl(p[1], F_GETFL);

		fcntl(p[1], F_SETFL, fl & ~O_NONBLOCK);
		child_exec(argv, netns, p[1], keepfd, parent);
	}
	close(p[1]);
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		errf(err, "pidfd_open: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[0]);
		*outfd = *pidfd = -1;
		return -1;
	}
	*outfd = p[0];
	return pid;
}

int host_can_net_admin(char *err)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errf(err, "cannot open /dev/net/tun: %s (taps need the tun module and "
				 "root or CAP_NET_ADMIN)", strerror(errno));
	close(fd);
	return 0;
}
