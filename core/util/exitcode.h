/* exitcode.h - the process exit codes: one contract for every stage that decides one. */
#ifndef PG_EXITCODE_H
#define PG_EXITCODE_H

enum pg_exit {
	PG_EXIT_PASS = 0,      /* every asset checked, nothing failed (or monitor mode) */
	PG_EXIT_POLICY = 1,    /* at least one finding with action fail */
	PG_EXIT_USAGE = 2,     /* usage, manifest, config or plugin error */
	PG_EXIT_UNCHECKED = 3, /* a target could not be resolved or scanned; nothing failed */
};

#endif
