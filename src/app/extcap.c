/*
 * qnetsim extcap: Wireshark's extcap contract (doc/extcap.adoc in
 * Wireshark's sources), so that a running qnetsim's ports are in
 * Wireshark's own interface list. Wireshark runs the program it finds in
 * its extcap directory (qnetsim-extcap, which runs this) as:
 *
 *   --extcap-interfaces                 the interfaces: every port of every
 *                                       qnetsim whose monitor is in the
 *                                       runtime directory (--monitor auto)
 *   --extcap-dlts --extcap-interface I  Ethernet
 *   --extcap-config --extcap-interface I
 *                                       no options to ask for
 *   --capture --extcap-interface I --fifo F [--extcap-capture-filter X]
 *                                       the port's live capture (pcapng)
 *                                       into F, until Wireshark stops it
 *
 * An interface is qnetsim-PID-PORT: the monitor at RUNDIR/PID.sock, and
 * the port's name.
 */
#include "monitor.h"
#include "../core/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXTCAP_VERSION QNETSIM_VERSION_STR

static const char *arg_after(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], name) == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

static bool has(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

/* Every port of the qnetsim whose monitor is dir/name, one interface
 * line each. */
static void list_ports(const char *dir, const char *name, FILE *out)
{
	char spec[800], *text = NULL;
	size_t len = 0;
	long pid = strtol(name, NULL, 10);
	FILE *mem = open_memstream(&text, &len);
	char *argv[] = { "info", "ports" };

	snprintf(spec, sizeof(spec), "unix:%s/%s", dir, name);
	if (monitor_query(spec, 2, argv, mem, true) != 0) {
		fclose(mem);
		free(text);
		return;
	}
	fclose(mem);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char port[128];

		if (sscanf(l, "%127s", port) != 1 || strcmp(port, "PORT") == 0)
			continue;
		fprintf(out, "interface {value=qnetsim-%ld-%s}{display=qnetsim %s (pid %ld)}\n", pid,
			port, port, pid);
	}
	free(text);
}

static int interfaces(FILE *out)
{
	char dir[512];
	DIR *d;
	struct dirent *e;

	fprintf(out, "extcap {version=%s}{display=qnetsim: the ports of running simulations}\n",
		EXTCAP_VERSION);
	if (monitor_rundir(dir, sizeof(dir), false) < 0 || (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".sock") == 0)
			list_ports(dir, e->d_name, out);
	}
	closedir(d);
	return 0;
}

/* "qnetsim-PID-PORT" into the monitor's address and the port. */
static int parse_interface(const char *ifc, char *spec, size_t slen, char *port, size_t plen)
{
	char dir[512], *end;
	long pid;

	if (ifc == NULL || strncmp(ifc, "qnetsim-", 8) != 0)
		return -1;
	pid = strtol(ifc + 8, &end, 10);
	if (end == ifc + 8 || *end != '-' || end[1] == '\0' || pid <= 0)
		return -1;
	if (monitor_rundir(dir, sizeof(dir), false) < 0)
		return -1;
	snprintf(spec, slen, "unix:%s/%ld.sock", dir, pid);
	snprintf(port, plen, "%s", end + 1);
	return 0;
}

int extcap_main(int argc, char **argv)
{
	const char *ifc = arg_after(argc, argv, "--extcap-interface");
	char spec[700], port[128];

	if (has(argc, argv, "--extcap-interfaces"))
		return interfaces(stdout);
	if (ifc != NULL && parse_interface(ifc, spec, sizeof(spec), port, sizeof(port)) < 0) {
		fprintf(stderr, "qnetsim extcap: '%s' is not a qnetsim interface "
			"(qnetsim-PID-PORT)\n", ifc);
		return 2;
	}
	if (has(argc, argv, "--extcap-dlts") && ifc != NULL) {
		printf("dlt {number=1}{name=EN10MB}{display=Ethernet}\n");
		return 0;
	}
	if (has(argc, argv, "--extcap-config"))
		return 0;       /* nothing to ask: the interface says it all */
	if (has(argc, argv, "--capture") && ifc != NULL) {
		const char *fifo = arg_after(argc, argv, "--fifo");
		const char *filter = arg_after(argc, argv, "--extcap-capture-filter");
		char *cmd[4] = { "capture", port, "-", (char *)filter };
		FILE *out;
		int rc;

		if (fifo == NULL) {
			fprintf(stderr, "qnetsim extcap: --capture needs --fifo\n");
			return 2;
		}
		out = fopen(fifo, "wb");
		if (out == NULL) {
			fprintf(stderr, "qnetsim extcap: %s: %s\n", fifo, strerror(errno));
			return 3;
		}
		rc = monitor_query(spec, filter != NULL && *filter ? 4 : 3, cmd, out, false);
		fclose(out);
		return rc;
	}
	fprintf(stderr, "qnetsim extcap: expected --extcap-interfaces, --extcap-dlts, "
		"--extcap-config or --capture (with --extcap-interface)\n");
	return 2;
}
