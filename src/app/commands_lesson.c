/*
 * Lessons: scenario steps that make a class think (docs/teaching.md).
 *
 *   pause                       stop the clock (the UI); headless runs go on
 *   say TEXT...                 a message box in the UI; a line headless
 *   ask "QUESTION" choices=A,B,... answer=B
 *                               the UI stops the clock and asks, keys 1..N
 *                               answer; headless prints the question and
 *                               its answer; _ in a choice shows as a space
 *
 * What the UI does is its own (struct sim_lesson_ops in sim.h); without
 * one, these print.
 */
#include "commands_internal.h"
#include "../core/util.h"

#include <string.h>

int cmd_pause(struct cmd_ctx *c, int argc, char **argv)
{
	struct sim *s = c->s;

	(void)argc;
	(void)argv;
	if (c->check)
		return 0;
	if (s->lesson != NULL)
		s->lesson->pause(s->lesson_arg);
	else
		fprintf(c->out, "pause (a headless run goes on)\n");
	return 0;
}

int cmd_say(struct cmd_ctx *c, int argc, char **argv)
{
	struct sim *s = c->s;
	char text[SIM_MAX_LINE + 1] = "";
	size_t off = 0;

	for (int i = 1; i < argc && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s", i > 1 ? " " : "",
					argv[i]);
	if (c->check)
		return 0;
	if (s->lesson != NULL)
		s->lesson->say(s->lesson_arg, text);
	else
		fprintf(c->out, "say: %s\n", text);
	return 0;
}

int cmd_ask(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "choices", "answer", NULL };
	struct sim *s = c->s;
	char *vals[2] = { NULL, NULL }, *choices[LESSON_CHOICES_MAX], buf[SIM_MAX_LINE + 1];
	int n = 0, answer = -1;

	if (cmd_opts(c, argc, argv, 2, keys, vals) < 0)
		return -1;
	if (argv[1][0] == '\0')
		return errf(c->err, "ask: the question is empty");
	if (vals[0] == NULL || vals[1] == NULL)
		return errf(c->err, "usage: %s", cmd_usage("ask"));
	snprintf(buf, sizeof(buf), "%s", vals[0]);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		if (n == LESSON_CHOICES_MAX)
			return errf(c->err, "ask: at most %d choices (keys 1 to %d answer)",
				    LESSON_CHOICES_MAX, LESSON_CHOICES_MAX);
		if (strcmp(p, vals[1]) == 0)
			answer = n;
		choices[n++] = p;
	}
	if (n < 2)
		return errf(c->err, "ask: give at least two choices (choices=A,B)");
	if (answer < 0)
		return errf(c->err, "ask: answer=%s is not one of the choices (%s)", vals[1], vals[0]);
	if (c->check)
		return 0;
	/* A choice has no spaces in the step (choices=a_hub,a_bridge); it is
	 * shown with them. */
	for (int i = 0; i < n; i++)
		for (char *p = choices[i]; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
	if (s->lesson != NULL) {
		s->lesson->ask(s->lesson_arg, argv[1], choices, n, answer);
	} else {
		fprintf(c->out, "ask: %s\n", argv[1]);
		for (int i = 0; i < n; i++)
			fprintf(c->out, "  %d) %s%s\n", i + 1, choices[i], i == answer ? "  <- the answer" : "");
	}
	return 0;
}
