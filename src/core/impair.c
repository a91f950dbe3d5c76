/*
 * A link direction's impairments in their text form: the keys of [link]
 * sections, `impair` and the report (graph.h).
 */
#include "graph.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool impair_active(const struct impair *im)
{
	return im->loss > 0 || im->ge_p > 0 || im->delay > 0 || im->jitter > 0 || im->rate > 0 ||
	       im->limit > 0 || im->duplicate > 0 || im->corrupt > 0 || im->reorder > 0;
}

int impair_set(struct impair *im, const char *key, const char *val, char *err)
{
	uint64_t n;

	if (strcmp(key, "loss") == 0)
		return parse_percent(val, &im->loss, err);
	if (strcmp(key, "duplicate") == 0)
		return parse_percent(val, &im->duplicate, err);
	if (strcmp(key, "corrupt") == 0)
		return parse_percent(val, &im->corrupt, err);
	if (strcmp(key, "reorder") == 0)
		return parse_percent(val, &im->reorder, err);
	if (strcmp(key, "delay") == 0 || strcmp(key, "jitter") == 0) {
		if (parse_duration(val, &n, err) < 0)
			return -1;
		if (n > 60 * NS_PER_SEC)
			return errf(err, "%s is out of range (0..60s)", val);
		*(strcmp(key, "delay") == 0 ? &im->delay : &im->jitter) = n;
		return 0;
	}
	if (strcmp(key, "rate") == 0) {
		if (strcmp(val, "0") == 0) {
			im->rate = 0;
			return 0;
		}
		if (parse_rate(val, &n, err) < 0)
			return -1;
		if (n < 1000)
			return errf(err, "%s is too slow (at least 1k, or 0 for none)", val);
		im->rate = n;
		return 0;
	}
	if (strcmp(key, "limit") == 0) {
		if (parse_u64(val, 0, 1000000, &n, err) < 0)
			return -1;
		im->limit = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "burst_loss") == 0) {
		/* p/r[/bad_loss[/good_loss]], e.g. 1%/25%: slashes, since the
		 * command line separates options by commas. */
		char *copy = xstrdup(val), *save = NULL, *tok;
		double v[4] = { 0, 0, 1, 0 };
		int i = 0;

		for (tok = strtok_r(copy, "/", &save); tok != NULL && i < 4;
		     tok = strtok_r(NULL, "/", &save), i++) {
			if (parse_percent(tok, &v[i], err) < 0) {
				free(copy);
				return -1;
			}
		}
		free(copy);
		if (tok != NULL || (i != 1 && i < 2))
			return errf(err, "burst_loss wants P/R[/BAD_LOSS[/GOOD_LOSS]] (e.g. 1%%/25%%), "
				    "or 0 for none");
		if (i == 1 && v[0] == 0) {
			im->ge_p = 0;
			return 0;
		}
		if (i == 1)
			return errf(err, "burst_loss wants P/R[/BAD_LOSS[/GOOD_LOSS]] (e.g. 1%%/25%%)");
		if (v[0] > 0 && v[1] == 0)
			return errf(err, "burst_loss: R (bad -> good) must be above 0, or bursts never end");
		im->ge_p = v[0];
		im->ge_r = v[1];
		im->ge_bad_loss = v[2];
		im->ge_good_loss = v[3];
		return 0;
	}
	return errf(err, "unknown impairment '%s' (loss, burst_loss, delay, jitter, rate, limit, "
		    "duplicate, corrupt, reorder)", key);
}

void impair_format(const struct impair *im, char *buf, size_t len)
{
	size_t o = 0;
	char t[32];

#define ADD(...) do { if (o < len) o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); } while (0)
	buf[0] = '\0';
	if (im->delay)
		ADD("%sdelay=%s", o ? "," : "", fmt_duration(im->delay, t, sizeof(t)));
	if (im->jitter)
		ADD("%sjitter=%s", o ? "," : "", fmt_duration(im->jitter, t, sizeof(t)));
	if (im->rate)
		ADD("%srate=%s", o ? "," : "", fmt_rate(im->rate, t, sizeof(t)));
	if (im->limit)
		ADD("%slimit=%u", o ? "," : "", im->limit);
	if (im->loss > 0)
		ADD("%sloss=%g%%", o ? "," : "", im->loss * 100);
	if (im->ge_p > 0) {
		ADD("%sburst_loss=%g%%/%g%%", o ? "," : "", im->ge_p * 100, im->ge_r * 100);
		if (im->ge_bad_loss != 1 || im->ge_good_loss != 0)
			ADD("/%g%%/%g%%", im->ge_bad_loss * 100, im->ge_good_loss * 100);
	}
	if (im->duplicate > 0)
		ADD("%sduplicate=%g%%", o ? "," : "", im->duplicate * 100);
	if (im->corrupt > 0)
		ADD("%scorrupt=%g%%", o ? "," : "", im->corrupt * 100);
	if (im->reorder > 0)
		ADD("%sreorder=%g%%", o ? "," : "", im->reorder * 100);
#undef ADD
}
