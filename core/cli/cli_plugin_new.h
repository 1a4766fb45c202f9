/* cli_plugin_new.h - the files `portgate plugin new` writes (cli_plugin_templates.c). */
#ifndef PG_CLI_PLUGIN_NEW_H
#define PG_CLI_PLUGIN_NEW_H

extern const char pg_tpl_enricher_c[], pg_tpl_notifier_c[], pg_tpl_makefile[], pg_tpl_test_yaml[],
	pg_tpl_finding_json[], pg_tpl_event_json[];

#endif
