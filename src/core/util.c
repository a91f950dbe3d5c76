/*
 * Helpers shared by every module. See util.h for the error tiers.
 */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *log_file;
static char *log_file_path;

static void (*fatal_hook)(void);

void fatal_set_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook != NULL)
		fatal_hook();
	fflush(stdout);
	fputs("qnetsim: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", nmemb, n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory reallocating %zu bytes", n);
	return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t n)
{
	void *q = reallocarray(p, nmemb ? nmemb : 1, n ? n : 1);

	if (q == NULL)
		fatal("out of memory reallocating %zu x %zu bytes", nmemb, n);
	return q;
}

char *name_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = xmalloc(la + lb + 2);

	memcpy(p, a, la);
	p[la] = '.';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

char *name_num(char *buf, const char *prefix, uint32_t v)
{
	char digits[10];
	size_t lp = strlen(prefix);
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(buf, prefix, lp);
	while (n > 0)
		buf[lp++] = digits[--n];
	buf[lp] = '\0';
	return buf;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory duplicating a string");
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatal("out of memory duplicating a string");
	return p;
}

char *path_beside(const char *file, const char *path)
{
	const char *slash = file != NULL ? strrchr(file, '/') : NULL;
	char *p;

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	xasprintf(&p, "%.*s/%s", (int)(slash - file), file, path);
	return p;
}

int xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory formatting a string");
	return n;
}

int errf(char *err, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	/* Formatted aside, then copied: errf(err, "x: %s", err), a message
	 * wrapped in more words, is then safe instead of undefined. */
	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		memcpy(err, msg, strlen(msg) + 1);
	}
	return -1;
}

void log_open(const char *path)
{
	log_file = fopen(path, "a");
	if (log_file == NULL)
		fprintf(stderr, "qnetsim: cannot open log file %s: %s\n", path, strerror(errno));
	else
		setvbuf(log_file, NULL, _IOLBF, 0);
	if (log_file != NULL) {
		free(log_file_path);
		log_file_path = xstrdup(path);
	}
}

const char *log_path(void)
{
	return log_file_path;
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	free(log_file_path);
	log_file_path = NULL;
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_file == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return errf(err, "expected a number");
	if (!isdigit((unsigned char)*s))
		return errf(err, "'%s' is not a number", s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return errf(err, "'%s' is not a number", s);
	if (v < min || v > max)
		return errf(err, "%s is out of range (%" PRIu64 "..%" PRIu64 ")", s, min, max);
	*out = v;
	return 0;
}

/* Parses a decimal number with an optional fraction, then a suffix. */
static int parse_scaled(const char *s, double *val, const char **suffix)
{
	char *end;
	double v;

	if (s == NULL || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	/* Whole numbers ("1s", "250ms": a scenario of 100,000 steps has
	 * 200,000) without strtod, where that gives the same. */
	for (uint64_t n = 0, i = 0;; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c) && i < 15) {
			n = n * 10 + (c - '0');
			continue;
		}
		if (i == 0 || isdigit(c) || c == '.' || c == 'e' || c == 'E' || c == 'x' ||
		    c == 'X')
			break;  /* a fraction, an exponent, hex, or long: strtod */
		*val = (double)n;
		*suffix = s + i;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	*val = v;
	*suffix = end;
	return 0;
}

int parse_duration(const char *s, uint64_t *ns, char *err)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
		{ "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *suf;
	double v;

	if (parse_scaled(s, &v, &suf) < 0)
		return errf(err, "'%s' is not a duration (e.g. 5ms, 2.5s)", s ? s : "");
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(suf, units[i].name) == 0) {
			double r = v * units[i].mult;

			if (r > 1e18)
				return errf(err, "duration '%s' is too long", s);
			*ns = (uint64_t)llround(r);
			return 0;
		}
	}
	return errf(err, "'%s': unknown time unit '%s' (use ns, us, ms, s, m, h)", s, suf);
}

int parse_rate(const char *s, uint64_t *bps, char *err)
{
	const char *suf;
	double v, mult;
	char unit[16];
	size_t n;

	if (parse_scaled(s, &v, &suf) < 0)
		return errf(err, "'%s' is not a rate (e.g. 10M, 1G, 64k)", s ? s : "");
	n = strlen(suf);
	if (n >= sizeof(unit))
		return errf(err, "'%s': unknown rate unit", s);
	for (size_t i = 0; i <= n; i++)
		unit[i] = (char)tolower((unsigned char)suf[i]);
	/* Accept "10M", "10Mbit", "10mbit/s", "10Mbps". */
	for (char *p = unit; *p; p++) {
		if (strcmp(p, "bit") == 0 || strcmp(p, "bit/s") == 0 || strcmp(p, "bps") == 0 ||
		    strcmp(p, "b/s") == 0) {
			*p = '\0';
			break;
		}
	}
	if (strcmp(unit, "") == 0)
		mult = 1;
	else if (strcmp(unit, "k") == 0)
		mult = 1e3;
	else if (strcmp(unit, "m") == 0)
		mult = 1e6;
	else if (strcmp(unit, "g") == 0)
		mult = 1e9;
	else if (strcmp(unit, "t") == 0)
		mult = 1e12;
	else
		return errf(err, "'%s': unknown rate unit '%s' (use k, M, G)", s, suf);
	if (v * mult > 1e13)
		return errf(err, "rate '%s' is too high (at most 10T)", s);
	*bps = (uint64_t)llround(v * mult);
	return 0;
}

int parse_size(const char *s, uint64_t max, uint64_t *bytes, char *err)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kib", 1024 }, { "m", 1048576 },
		{ "mib", 1048576 }, { "g", 1073741824 }, { "gib", 1073741824 },
	};
	const char *suf;
	char unit[8];
	double v;
	size_t n;

	if (parse_scaled(s, &v, &suf) < 0)
		return errf(err, "'%s' is not a size (e.g. 4096, 64k, 16M)", s ? s : "");
	n = strlen(suf);
	for (size_t i = 0; i <= n && n < sizeof(unit); i++)
		unit[i] = (char)tolower((unsigned char)suf[i]);
	for (size_t i = 0; n < sizeof(unit) && i < ARRAY_SIZE(units); i++) {
		if (strcmp(unit, units[i].name) == 0) {
			if (v * units[i].mult > (double)max)
				return errf(err, "size '%s' is too big (at most %" PRIu64 " bytes)", s, max);
			*bytes = (uint64_t)llround(v * units[i].mult);
			return 0;
		}
	}
	return errf(err, "'%s': unknown size unit '%s' (use k, M, G)", s, suf);
}

int parse_percent(const char *s, double *frac, char *err)
{
	const char *suf;
	double v;

	if (parse_scaled(s, &v, &suf) < 0)
		return errf(err, "'%s' is not a probability (e.g. 1%% or 0.01)", s ? s : "");
	if (strcmp(suf, "%") == 0)
		v /= 100.0;
	else if (*suf != '\0')
		return errf(err, "'%s' is not a probability (e.g. 1%% or 0.01)", s);
	if (v > 1.0)
		return errf(err, "'%s' is more than 100%%", s);
	*frac = v;
	return 0;
}

int parse_bool(const char *s, bool *out, char *err)
{
	/* QEMU's words (on/off, yes/no, y/n, true/false), and ours. */
	static const char *yes[] = { "on", "yes", "y", "true", "1", "up" };
	static const char *no[] = { "off", "no", "n", "false", "0", "down" };

	for (size_t i = 0; s != NULL && i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return errf(err, "'%s' is not on or off (also yes/no, y/n, true/false, 1/0)", s ? s : "");
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char sep, tail;

	if (s == NULL || strlen(s) != 17)
		return -1;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -1;
		if (i < 5 && p[2] != sep)
			return -1;
	}
	if (sscanf(s, "%2x%*c%2x%*c%2x%*c%2x%*c%2x%*c%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int parse_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

int parse_ipv4_prefix(const char *s, uint32_t *ip, int *prefix)
{
	char buf[64];
	char *slash;
	uint32_t mask;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash++ = '\0';
	if (parse_ipv4(buf, ip) < 0)
		return -1;
	if (strchr(slash, '.') != NULL) {
		int n = 0;

		if (parse_ipv4(slash, &mask) < 0)
			return -1;
		/* A netmask must be contiguous ones. */
		while (n < 32 && (mask & (0x80000000u >> n)))
			n++;
		if (n < 32 && (mask << n) != 0)
			return -1;
		*prefix = n;
		return 0;
	}
	if (!isdigit((unsigned char)*slash) || strlen(slash) > 2)
		return -1;
	*prefix = atoi(slash);
	return *prefix <= 32 ? 0 : -1;
}

char *fmt_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

char *fmt_ipv4(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}

char *fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns % NS_PER_SEC == 0)
		snprintf(buf, len, "%" PRIu64 "s", ns / NS_PER_SEC);
	else if (ns >= NS_PER_SEC)
		snprintf(buf, len, "%.6gs", (double)ns / 1e9);
	else if (ns % NS_PER_MS == 0)
		snprintf(buf, len, "%" PRIu64 "ms", ns / NS_PER_MS);
	else if (ns >= NS_PER_MS)
		snprintf(buf, len, "%.6gms", (double)ns / 1e6);
	else if (ns % NS_PER_US == 0)
		snprintf(buf, len, "%" PRIu64 "us", ns / NS_PER_US);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	return buf;
}

char *fmt_rate(uint64_t bps, char *buf, size_t len)
{
	if (bps == 0)
		snprintf(buf, len, "unlimited");
	else if (bps % 1000000000 == 0)
		snprintf(buf, len, "%" PRIu64 "Gbit/s", bps / 1000000000);
	else if (bps % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "Mbit/s", bps / 1000000);
	else if (bps % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "kbit/s", bps / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "bit/s", bps);
	return buf;
}

int kv_split(char *s, struct kv *kv, int max, char *err)
{
	int n = 0;
	char *p = s;

	while (*p != '\0') {
		char *start = p, *w = p, *eq = NULL;

		/* Copy the item in place, turning ",," into ",". */
		while (*p != '\0') {
			if (*p == ',') {
				if (p[1] == ',') {
					*w++ = ',';
					p += 2;
					continue;
				}
				break;
			}
			if (*p == '=' && eq == NULL)
				eq = w;
			*w++ = *p++;
		}
		if (*p == ',')
			p++;
		*w = '\0';
		if (*start == '\0')
			continue;
		if (n == max)
			return errf(err, "too many options (at most %d)", max);
		if (eq != NULL) {
			*eq = '\0';
			kv[n].val = eq + 1;
		} else {
			kv[n].val = NULL;
		}
		kv[n].key = start;
		n++;
	}
	return n;
}

int split_words(char *s, char **argv, int max)
{
	int argc = 0;
	char *p = s;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (argc == max)
			return -1;
		if (*p == '"') {
			argv[argc++] = ++p;
			while (*p != '\0' && *p != '"')
				p++;
		} else {
			argv[argc++] = p;
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
		}
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return argc;
}

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

void strmap_init(struct strmap *m)
{
	m->mask = 63;
	m->count = 0;
	m->keys = xcalloc(m->mask + 1, sizeof(*m->keys));
	m->vals = xcalloc(m->mask + 1, sizeof(*m->vals));
	m->hashes = xcalloc(m->mask + 1, sizeof(*m->hashes));
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	m->keys = NULL;
	m->vals = NULL;
	m->hashes = NULL;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	uint32_t h = str_hash(key), i = h & m->mask;

	while (m->keys[i] != NULL) {
		if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0)
			return m->vals[i];
		i = (i + 1) & m->mask;
	}
	return NULL;
}

/* The map rehashed into mask + 1 slots. */
static void strmap_resize(struct strmap *m, uint32_t mask)
{
	struct strmap big = { .mask = mask, .count = m->count };
	uint32_t i;

	big.keys = xcalloc(big.mask + 1, sizeof(*big.keys));
	big.vals = xcalloc(big.mask + 1, sizeof(*big.vals));
	big.hashes = xcalloc(big.mask + 1, sizeof(*big.hashes));
	/* The keys are distinct: each goes to the first free slot. */
	for (uint32_t j = 0; j <= m->mask; j++) {
		if (m->keys[j] == NULL)
			continue;
		for (i = m->hashes[j] & big.mask; big.keys[i] != NULL; i = (i + 1) & big.mask)
			;
		big.keys[i] = m->keys[j];
		big.vals[i] = m->vals[j];
		big.hashes[i] = m->hashes[j];
	}
	strmap_free(m);
	*m = big;
}

void strmap_reserve(struct strmap *m, uint32_t n)
{
	uint32_t size = m->mask + 1;

	while ((uint64_t)n * 2 + 2 > size)
		size *= 2;
	if (size != m->mask + 1)
		strmap_resize(m, size - 1);
}

void strmap_put(struct strmap *m, const char *key, void *val)
{
	uint32_t h = str_hash(key), i;

	if ((m->count + 1) * 2 > m->mask + 1)
		strmap_resize(m, m->mask * 2 + 1);
	i = h & m->mask;
	while (m->keys[i] != NULL && !(m->hashes[i] == h && strcmp(m->keys[i], key) == 0))
		i = (i + 1) & m->mask;
	if (m->keys[i] == NULL)
		m->count++;
	m->keys[i] = key;
	m->vals[i] = val;
	m->hashes[i] = h;
}
