/*
 * The terminal: ncurses' screen, the colour roles, and giving the
 * terminal back however the UI ends. It is restored by endwin() on every
 * normal way out, by fatal()'s hook, and on a crash by a signal handler
 * that writes the terminfo reset strings saved at start-up and the saved
 * termios (both async-signal-safe) before re-raising the signal. stderr
 * points at the -v log (or /dev/null) while the UI owns the screen.
 */
#include "tui_internal.h"

#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct tui *the_tui;     /* for signal and fatal handlers */
static volatile sig_atomic_t got_quit_signal;
static struct termios saved_termios;
static bool have_termios;
static char reset_seq[256];    /* terminfo strings that undo our screen */
static size_t reset_len;
static int saved_stderr = -1;
static bool screen_up;
static SCREEN *screen;

void term_restore(void)
{
	if (!screen_up)
		return;
	screen_up = false;
	mousemask(0, NULL);
	endwin();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static void on_crash(int sig)
{
	/* Only async-signal-safe calls here. */
	if (screen_up) {
		if (reset_len > 0 && write(STDOUT_FILENO, reset_seq, reset_len) < 0) {
			/* nothing more we can do */
		}
		if (have_termios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		if (saved_stderr >= 0)
			dup2(saved_stderr, STDERR_FILENO);
		screen_up = false;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_quit_signal(int sig)
{
	(void)sig;
	got_quit_signal = 1;
	if (the_tui != NULL)
		loop_stop(the_tui->s->loop);
}

static void add_reset(const char *cap)
{
	char *s = tigetstr(cap);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (reset_len + n < sizeof(reset_seq)) {
		memcpy(reset_seq + reset_len, s, n);
		reset_len += n;
	}
}

static void colors_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->color = has_colors() && (nc == NULL || nc[0] == '\0');
	t->attrs[C_NORMAL] = A_NORMAL;
	t->attrs[C_HEADER] = A_REVERSE;
	t->attrs[C_TITLE] = A_REVERSE | A_BOLD;
	t->attrs[C_UP] = A_NORMAL;
	t->attrs[C_DOWN] = A_BOLD;
	t->attrs[C_DIM] = A_DIM;
	t->attrs[C_FORWARD] = A_NORMAL;
	t->attrs[C_FLOOD] = A_NORMAL;
	t->attrs[C_DROP] = A_BOLD;
	t->attrs[C_SELECT] = A_REVERSE;
	t->attrs[C_STATUS] = A_REVERSE;
	t->attrs[C_WARN] = A_REVERSE | A_BOLD;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);   /* header */
	init_pair(2, COLOR_BLACK, COLOR_GREEN);  /* focused title */
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_RED, -1);
	init_pair(5, COLOR_YELLOW, -1);
	init_pair(6, COLOR_BLACK, COLOR_YELLOW); /* warnings in the status line */
	init_pair(7, COLOR_CYAN, -1);
	t->attrs[C_HEADER] = COLOR_PAIR(1);
	t->attrs[C_TITLE] = COLOR_PAIR(2) | A_BOLD;
	t->attrs[C_UP] = COLOR_PAIR(3);
	t->attrs[C_DOWN] = COLOR_PAIR(4) | A_BOLD;
	t->attrs[C_FORWARD] = COLOR_PAIR(3);
	t->attrs[C_FLOOD] = COLOR_PAIR(5);
	t->attrs[C_DROP] = COLOR_PAIR(4) | A_BOLD;
	t->attrs[C_STATUS] = COLOR_PAIR(1);
	t->attrs[C_WARN] = COLOR_PAIR(6) | A_BOLD;
	t->attrs[C_DIM] = COLOR_PAIR(7);
}

int term_init(struct tui *t, char *err)
{
	int devnull;
	struct sigaction sa;
	const char *logpath = log_path();

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return errf(err, "the UI needs a terminal on stdin and stdout; use --headless");
	if (tcgetattr(STDIN_FILENO, &saved_termios) == 0)
		have_termios = true;
	setlocale(LC_ALL, "");
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL)
		return errf(err, "cannot use terminal type '%s'; set TERM or use --headless",
			    getenv("TERM") ? getenv("TERM") : "(unset)");
	screen_up = true;
	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmkx");
	add_reset("rmcup");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	/* Clicks select (keys alone always suffice); a crash turns the
	 * terminal's mouse reporting off with the other resets. */
	if (mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL) != 0) {
		static const char off[] = "\033[?1000l\033[?1002l\033[?1006l";

		mouseinterval(0);
		if (reset_len + sizeof(off) - 1 < sizeof(reset_seq)) {
			memcpy(reset_seq + reset_len, off, sizeof(off) - 1);
			reset_len += sizeof(off) - 1;
		}
	}
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors_init(t);
	fatal_set_hook(term_restore);

	/* stderr would scribble over the screen: send it to the log. */
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	devnull = logpath ? open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) :
			    open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sa.sa_handler = on_quit_signal;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void term_attach(struct tui *t)
{
	the_tui = t;
}

bool term_quit_signal(void)
{
	return got_quit_signal;
}

void term_free(void)
{
	delscreen(screen);
	screen = NULL;
}
