/*
 * Lines an object writes about itself for the UI's details panel, in a
 * style the UI maps to its colours: a back-end's forwards and leases, a
 * netns guest's commands. The writer calls o->line once a line; the UI
 * cuts or wraps each at the panel's width and stops drawing when the
 * panel is full (further calls are harmless).
 */
#ifndef QNETSIM_LINES_H
#define QNETSIM_LINES_H

enum line_style {
	LINE_HEADING,           /* " forwards" */
	LINE_TEXT,              /* wrapped at the panel's width */
	LINE_DIM,               /* "(none)" */
	LINE_GOOD,              /* a command that exited 0 */
	LINE_PENDING,           /* one still to run or running */
	LINE_BAD,               /* one that failed */
};

struct detail_lines {
	void (*line)(struct detail_lines *o, enum line_style style, const char *text);
};

#endif
