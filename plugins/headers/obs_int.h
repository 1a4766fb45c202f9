/* obs_int.h - shared by the Observatory port's files (obs_*.c). */
#ifndef PG_HEADERS_OBS_INT_H
#define PG_HEADERS_OBS_INT_H

#include "obs.h"

int obs_modifier(const char *result);
const char *obs_grade_for(int score);
int obs_score(const int *modifiers, size_t n);

/* The registrable domain of a host name (libpsl, as tldts does it), a new
 * string or NULL. */
char *obs_domain(const char *host);

/* The tests; each returns a new {result, pass, ...} object. */
json_t *obs_test_csp(const struct obs_input *in, json_t **data);
json_t *obs_test_cookies(const struct obs_input *in);
json_t *obs_test_cors(const struct obs_input *in);
json_t *obs_test_redirection(const struct obs_input *in);
json_t *obs_test_referrer(const struct obs_input *in);
json_t *obs_test_hsts(const struct obs_input *in);
json_t *obs_test_sri(const struct obs_input *in);
json_t *obs_test_xcto(const struct obs_input *in);
json_t *obs_test_xfo(const struct obs_input *in);
json_t *obs_test_corp(const struct obs_input *in);

json_t *obs_result(const char *result, bool pass);
/* Content-Type (may be NULL) names an HTML document. */
bool obs_is_html(const char *content_type);

#endif
