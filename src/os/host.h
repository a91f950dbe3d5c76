/*
 * What qnetsim makes on the host outside its own process: network
 * namespaces, Linux bridges, VDE switch directories, scratch files. Each is
 * written down in a registry file (REGISTRY_DIR/PID) the moment it exists
 * and crossed out when it is removed, so a run that was killed with -9 is
 * cleaned up by the next one: host_cleanup_stale() removes whatever a dead
 * qnetsim left listed.
 *
 * Also the helpers for running programs: synchronously at start-up and
 * exit (ip, scripts), or as children watched by the loop (kernel guests'
 * commands, udhcpc), optionally inside a network namespace.
 */
#ifndef QNETSIM_HOST_H
#define QNETSIM_HOST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Kinds of things the registry knows how to remove. */
#define HOST_NETNS "netns"      /* /run/netns/NAME: processes killed, then deleted */
#define HOST_LINK "link"        /* a network interface (a bridge we made) */
#define HOST_VDEDIR "vdedir"    /* a VDE switch directory we serve */
#define HOST_DIR "dir"          /* a scratch directory of ours */

/* The registry directory (/run/qnetsim for root, else a per-user one). */
const char *host_registry_dir(void);
/* Records that this process made `name` of `kind`. */
void host_record(const char *kind, const char *name);
/* Crosses it out again (it was removed). */
void host_forget(const char *kind, const char *name);
/* Removes what dead qnetsim processes left behind; each removal is
 * reported on out. Returns the number of things removed. */
int host_cleanup_stale(FILE *out);
/* Removes one thing of a kind (used by cleanup and at exit). */
void host_remove(const char *kind, const char *name);
/* A scratch directory for this run (created on first use, recorded). */
const char *host_scratch_dir(void);

/* Runs argv (argv[0] looked up in PATH), waits for it. Returns its exit
 * status (0 ok), or -1 when it could not run. Its output (stdout and
 * stderr, first bytes) goes to out when out is not NULL. netns: run
 * inside that namespace (NULL: ours). */
int host_run(const char *const argv[], const char *netns, char *out, size_t outlen);

/* Starts argv as a child, stdin from /dev/null, stdout+stderr into the
 * returned pipe (*outfd, non-blocking), and a pidfd (*pidfd) that becomes
 * readable when it exits. keepfd (-1: none) is the child's descriptor 3,
 * without close-on-exec; every other descriptor is closed. The child dies
 * with us (PR_SET_PDEATHSIG) unless it changes its user. Returns the pid
 * or -1 with err. */
pid_t host_spawn(const char *const argv[], const char *netns, int keepfd, int *outfd,
		 int *pidfd, char *err);

/* Whether this process may create taps and namespaces (CAP_NET_ADMIN and
 * /dev/net/tun). Returns 0, or -1 with the reason in err. */
int host_can_net_admin(char *err);

#endif
