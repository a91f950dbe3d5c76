/*
 * A lesson's steps in the UI (app/commands_lesson.c runs them): pause
 * stops the clock; say stops it and shows the text in a box; ask stops
 * it and shows the question with numbered choices, and keys 1..n answer
 * it: the message area says whether the answer was right, and the
 * lesson's next step explains. Esc leaves the question unanswered.
 */
#include "tui_internal.h"

#include <stdlib.h>
#include <string.h>

static void lesson_pause(void *arg)
{
	struct tui *t = arg;

	clock_set_paused(t, true);
	tui_message(t, "the lesson paused the clock: space goes on, n steps");
}

static void lesson_say(void *arg, const char *text)
{
	struct tui *t = arg;

	clock_set_paused(t, true);
	tui_popup(t, "Lesson  (Enter closes; space goes on)", text);
}

void lesson_free(struct tui *t)
{
	free(t->ask.question);
	for (int i = 0; i < t->ask.n; i++)
		free(t->ask.choices[i]);
	memset(&t->ask, 0, sizeof(t->ask));
}

static void lesson_ask(void *arg, const char *question, char *const *choices, int n, int answer)
{
	struct tui *t = arg;
	char text[2048];
	size_t off;

	lesson_free(t);
	t->ask.active = true;
	t->ask.question = xstrdup(question);
	for (int i = 0; i < n; i++)
		t->ask.choices[i] = xstrdup(choices[i]);
	t->ask.n = n;
	t->ask.answer = answer;
	clock_set_paused(t, true);
	off = (size_t)snprintf(text, sizeof(text), "%s\n\n", question);
	for (int i = 0; i < n && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "  %d  %s\n", i + 1, choices[i]);
	if (off < sizeof(text))
		snprintf(text + off, sizeof(text) - off, "\nPress 1 to %d to answer (Esc: skip).", n);
	tui_popup(t, "Question", text);
}

bool lesson_key(struct tui *t, int ch)
{
	int k = ch - '1';

	if (!t->ask.active)
		return false;
	if (ch == 27) {
		tui_message(t, "question skipped: %s", t->ask.question);
	} else if (k >= 0 && k < t->ask.n) {
		if (k == t->ask.answer)
			tui_message(t, "Right: %s.", t->ask.choices[k]);
		else
			tui_message(t, "Not quite: you said %s; the answer is %s.", t->ask.choices[k],
				    t->ask.choices[t->ask.answer]);
	} else {
		return true;    /* only the answer keys and Esc, while it asks */
	}
	tui_view_close(&t->popup);
	lesson_free(t);
	t->dirty = true;
	return true;
}

const struct sim_lesson_ops tui_lesson_ops = {
	.pause = lesson_pause,
	.say = lesson_say,
	.ask = lesson_ask,
};
