/*
 * flagc.h: the C interface of FlagRuntime, the flagc bundle runtime.
 *
 * Load a signed, encrypted flag bundle built by `flagc build` and evaluate its flags from C, or from
 * any language with a C foreign-function interface (the Python package `flagc` uses it through
 * ctypes). The answers are those of the Swift runtime and of `flagc eval`, bit for bit: this is the
 * same code behind a C calling convention.
 *
 * Conventions
 * - Text is UTF-8, passed as a pointer and a byte length; FLAGC_NUL_TERMINATED as the length means
 *   "up to the first NUL". Ill-formed UTF-8, a NULL pointer with a non-zero length, or a length past
 *   FLAGC_MAX_TEXT_BYTES is refused with FLAGC_INVALID_ARGUMENT. Nothing aborts the process on bad
 *   input: every function checks its arguments and answers with a status.
 * - Functions that can fail return a flagc_status. When they take `char **error`, a failure stores
 *   there a message (free it with flagc_string_free) and success stores NULL; pass NULL to ignore it.
 *   Messages never contain key material.
 * - Evaluation never fails for a missing flag or a bad context: like the Swift runtime it fills the
 *   result with reason FLAGC_REASON_ERROR and an error code, and returns FLAGC_OK. Its status is
 *   FLAGC_INVALID_ARGUMENT only for unusable arguments (a NULL bundle or result, ill-formed text).
 * - Everything created by a `_new`, `_open` or `_parse` function is freed by the matching `_free`
 *   function; strings returned through `char **` by flagc_string_free. Pointers inside a
 *   flagc_result, flagc_header or flagc_value are owned by the bundle and stay valid until
 *   flagc_bundle_free; never free them. Every `_free` function accepts NULL.
 *
 * Thread safety
 * - A flagc_bundle is immutable once opened: any number of threads may evaluate with it, read its
 *   header and look up flags at once, without locking.
 * - A flagc_options or flagc_context is used by one thread at a time (building it and evaluating with
 *   it both change it: a context caches its preparation for the last bundle it was evaluated with).
 *   Give each thread its own contexts.
 * - flagc_bundle_free must not race with any other use of that bundle.
 */
#ifndef FLAGC_H
#define FLAGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; flagc_abi_version() returns the one the library implements. */
#define FLAGC_ABI_VERSION 1

/* A length meaning "the text ends at its first NUL byte". */
#define FLAGC_NUL_TERMINATED ((size_t)-1)

/* The longest text argument accepted (1 GiB); longer ones are refused. */
#define FLAGC_MAX_TEXT_BYTES ((size_t)1 << 30)

/* ---------------------------------------------------------------------------------------------- */
/* Codes */

/* What a function returns. */
typedef int32_t flagc_status;
#define FLAGC_OK 0
/* A NULL pointer where one is needed, ill-formed UTF-8, a length out of range, a handle or index
 * out of range, a count that does not match. */
#define FLAGC_INVALID_ARGUMENT 1
/* A key text that is not a flagc key of the expected kind. */
#define FLAGC_INVALID_KEY 2
/* The bundle file could not be read (missing, unreadable, too large). */
#define FLAGC_UNREADABLE 3
/* The bundle was refused by a loader check (signature, keyring, expiry, target, version, decryption,
 * payload); the message names the check. */
#define FLAGC_VERIFICATION_FAILED 4
/* A context text that is not one JSON object (see flagc_context_parse_json). */
#define FLAGC_PARSE_ERROR 5
/* No flag with that key in the bundle (flagc_bundle_flag only). */
#define FLAGC_FLAG_NOT_FOUND 6

/* The type of a flag or a value. */
typedef int32_t flagc_type;
#define FLAGC_TYPE_NONE (-1) /* no value: the caller's default applies */
#define FLAGC_TYPE_BOOLEAN 0
#define FLAGC_TYPE_STRING 1
#define FLAGC_TYPE_INTEGER 2
#define FLAGC_TYPE_NUMBER 3
#define FLAGC_TYPE_OBJECT 4

/* Why a value was served: the OpenFeature reasons. */
typedef int32_t flagc_reason;
#define FLAGC_REASON_STATIC 0              /* the flag has no rules */
#define FLAGC_REASON_TARGETING_MATCH 1     /* a rule served a fixed variant */
#define FLAGC_REASON_SPLIT 2               /* a split or a progressive ramp decided */
#define FLAGC_REASON_DEFAULT 3             /* no rule matched */
#define FLAGC_REASON_DISABLED 4            /* the flag is switched off */
#define FLAGC_REASON_PREREQUISITE_FAILED 5 /* a prerequisite did not serve the required variant */
#define FLAGC_REASON_ERROR 6               /* no value: see the error code */
#define FLAGC_REASON_CIRCUIT_OPEN 7        /* the flag's circuit breaker is open: its off variant */

/* What went wrong when no value was served: the OpenFeature error codes. */
typedef int32_t flagc_error_code;
#define FLAGC_ERROR_NONE 0
#define FLAGC_ERROR_FLAG_NOT_FOUND 1
#define FLAGC_ERROR_TYPE_MISMATCH 2
#define FLAGC_ERROR_PARSE_ERROR 3
#define FLAGC_ERROR_INVALID_CONTEXT 4
#define FLAGC_ERROR_GENERAL 5
#define FLAGC_ERROR_PROVIDER_NOT_READY 6

/* The version of the interface the library implements (FLAGC_ABI_VERSION when they match). */
int32_t flagc_abi_version(void);
/* The names used in JSON output: "TARGETING_MATCH", "FLAG_NOT_FOUND", "boolean"...; a static string,
 * or NULL for a code out of range. flagc_error_code_name(FLAGC_ERROR_NONE) is NULL. */
const char *flagc_reason_name(flagc_reason reason);
const char *flagc_error_code_name(flagc_error_code code);
const char *flagc_type_name(flagc_type type);
/* Frees a string returned through a `char **` argument. */
void flagc_string_free(char *string);

/* ---------------------------------------------------------------------------------------------- */
/* Load options: what the host trusts and expects (the Swift runtime's LoadOptions) */

typedef struct flagc_options flagc_options;

/* New options with no root key (at least one is needed to open a bundle), no recipient key, a
 * leeway of 300 s, a 64 MiB size limit, and the system clock. NULL only when out of memory. */
flagc_options *flagc_options_new(void);
void flagc_options_free(flagc_options *options);
/* Pins a root public key (`flagc-root-public:…`, as in keys/root.pub); call again for several. */
flagc_status flagc_options_add_root_key(flagc_options *options, const char *text, size_t length, char **error);
/* The recipient secret key (`flagc-recipient-secret:…`) that decrypts the bundle. It is kept in
 * memory that is zeroed when the options are freed; the caller should zero its own copy. */
flagc_status flagc_options_set_recipient_key(flagc_options *options, const char *text, size_t length,
                                             char **error);
/* Refuse bundles built for another target or environment; NULL clears. */
flagc_status flagc_options_set_target(flagc_options *options, const char *text, size_t length);
flagc_status flagc_options_set_environment(flagc_options *options, const char *text, size_t length);
/* Rollback floors: lower bundle or keyring versions are refused. */
flagc_status flagc_options_set_min_bundle_version(flagc_options *options, uint64_t version);
flagc_status flagc_options_set_min_keyring_version(flagc_options *options, uint32_t version);
/* The verification clock in Unix seconds (default: the system clock) and the tolerated skew. */
flagc_status flagc_options_set_verification_time(flagc_options *options, int64_t unix_seconds);
flagc_status flagc_options_set_leeway(flagc_options *options, int64_t seconds);
/* Inputs larger than this are refused before they are parsed (default 64 MiB). */
flagc_status flagc_options_set_max_bundle_bytes(flagc_options *options, size_t bytes);
/* A fixed evaluation clock in Unix seconds for contexts without `now` (progressive ramps,
 * before/after), so that every process of a batch job decides at the same instant; NaN restores the
 * system clock. */
flagc_status flagc_options_set_evaluation_time(flagc_options *options, double unix_seconds);

/* ---------------------------------------------------------------------------------------------- */
/* Bundles */

typedef struct flagc_bundle flagc_bundle;

/* Reads, verifies, decrypts and decodes a bundle. On success *bundle is set (free it with
 * flagc_bundle_free); on failure it is set to NULL and the status is FLAGC_UNREADABLE or
 * FLAGC_VERIFICATION_FAILED (or FLAGC_INVALID_ARGUMENT: the options lack a root or recipient key). */
flagc_status flagc_bundle_open_path(const char *path, const flagc_options *options, flagc_bundle **bundle,
                                    char **error);
flagc_status flagc_bundle_open_bytes(const uint8_t *bytes, size_t length, const flagc_options *options,
                                     flagc_bundle **bundle, char **error);
void flagc_bundle_free(flagc_bundle *bundle);

/* The verified header. Strings are NUL-terminated and owned by the bundle. */
typedef struct flagc_header {
    uint32_t format_version;
    uint64_t bundle_version;   /* rises with every build: write it next to batch decisions */
    int64_t issued_at;         /* Unix seconds */
    int64_t expires_at;        /* Unix seconds */
    uint32_t keyring_version;
    size_t flag_count;
    const char *target;
    const char *environment;
    const char *signing_key_id;
} flagc_header;

flagc_status flagc_bundle_header(const flagc_bundle *bundle, flagc_header *header);
/* The number of flags, and the key of the flag at `index` in the bundle's order (NULL when out of
 * range). */
size_t flagc_bundle_flag_count(const flagc_bundle *bundle);
const char *flagc_bundle_flag_key(const flagc_bundle *bundle, size_t index);

/* ---------------------------------------------------------------------------------------------- */
/* Flags */

/* A flag resolved once in one bundle: evaluating with it does no lookup by key. 0 is no flag. A
 * handle used with another bundle than its own gives FLAGC_ERROR_FLAG_NOT_FOUND. */
typedef uint64_t flagc_flag;

/* Looks up flag `key`: FLAGC_OK and *flag set, or FLAGC_FLAG_NOT_FOUND and *flag = 0. */
flagc_status flagc_bundle_flag(const flagc_bundle *bundle, const char *key, size_t length, flagc_flag *flag);

/* A value. For string flags, `string` is the value; for object flags, its compact JSON text (members in
 * their defined order). `string` is NUL-terminated (it may also hold NULs: use `length`), owned by the
 * bundle, and NULL for other types. `number` is set for number and integer flags. */
typedef struct flagc_value {
    flagc_type type;
    bool boolean;
    int64_t integer;
    double number;
    const char *string;
    size_t length;
} flagc_value;

/* The flag's key (owned by the bundle), type, variants and rules; NULL, FLAGC_TYPE_NONE or -1 for a
 * handle of another bundle. */
const char *flagc_flag_key(const flagc_bundle *bundle, flagc_flag flag);
flagc_type flagc_flag_type(const flagc_bundle *bundle, flagc_flag flag);
int32_t flagc_flag_variant_count(const flagc_bundle *bundle, flagc_flag flag);
/* The name and value of variant `index` (0 ..< variant count): what results' `variant` indexes. */
flagc_status flagc_flag_variant(const flagc_bundle *bundle, flagc_flag flag, int32_t index, const char **name,
                                flagc_value *value);
int32_t flagc_flag_rule_count(const flagc_bundle *bundle, flagc_flag flag);
/* The name of rule `index`, or NULL when it has none or the index is out of range. */
const char *flagc_flag_rule_name(const flagc_bundle *bundle, flagc_flag flag, int32_t index);

/* ---------------------------------------------------------------------------------------------- */
/* Contexts */

/* Who and what a flag is evaluated for: a targeting key plus attributes. */
typedef struct flagc_context flagc_context;

/* An empty context. NULL only when out of memory. */
flagc_context *flagc_context_new(void);
/* A context from a JSON object whose members are `targetingKey` and the attributes, as `flagc eval
 * --context` takes it: FLAGC_PARSE_ERROR with the byte offset in the message for anything else
 * (not one object, ill-formed UTF-8, over 1 MiB, nested deeper than 64). */
flagc_status flagc_context_parse_json(const char *json, size_t length, flagc_context **context, char **error);
void flagc_context_free(flagc_context *context);
/* Removes every attribute, the targeting key and `now`, keeping the memory for reuse. */
flagc_status flagc_context_clear(flagc_context *context);
/* The targeting key (NULL clears it). */
flagc_status flagc_context_set_targeting_key(flagc_context *context, const char *key, size_t length);
/* Sets attribute `name` (a later call replaces it; the name `targetingKey` sets the targeting key). */
flagc_status flagc_context_set_string(flagc_context *context, const char *name, size_t name_length,
                                      const char *value, size_t value_length);
flagc_status flagc_context_set_number(flagc_context *context, const char *name, size_t name_length, double value);
flagc_status flagc_context_set_bool(flagc_context *context, const char *name, size_t name_length, bool value);
/* A list of strings: `values[i]` with `lengths[i]` bytes (lengths may be NULL for NUL-terminated values). */
flagc_status flagc_context_set_string_list(flagc_context *context, const char *name, size_t name_length,
                                           const char *const *values, const size_t *lengths, size_t count);
flagc_status flagc_context_remove(flagc_context *context, const char *name, size_t name_length);
/* The evaluation clock for this context in Unix seconds; NaN clears it. */
flagc_status flagc_context_set_now(flagc_context *context, double unix_seconds);

/* ---------------------------------------------------------------------------------------------- */
/* Evaluation */

/* The full result of one evaluation, without JSON: fill one on the stack. When no variant was served
 * (reason FLAGC_REASON_ERROR), `value.type` is FLAGC_TYPE_NONE, `variant` is -1 and the caller's
 * default applies. Strings are owned by the bundle (error messages are static). */
typedef struct flagc_result {
    flagc_value value;
    flagc_reason reason;
    flagc_error_code error_code;
    int32_t variant;           /* index among the flag's variants, or -1 */
    int32_t rule;              /* index among the flag's rules, or -1 */
    const char *variant_name;  /* or NULL */
    const char *rule_name;     /* or NULL */
    const char *error_message; /* or NULL */
} flagc_result;

/* Evaluates `flag` for a context. The context is prepared for the bundle on first use (attribute
 * names resolved once) and re-prepared when it changes or is used with another bundle. */
flagc_status flagc_evaluate(const flagc_bundle *bundle, flagc_flag flag, flagc_context *context,
                            flagc_result *result);
/* The same with a flag key: an unknown key gives FLAGC_ERROR_FLAG_NOT_FOUND in the result. */
flagc_status flagc_evaluate_key(const flagc_bundle *bundle, const char *key, size_t key_length,
                                flagc_context *context, flagc_result *result);
/* Evaluates `flag` for a context given as JSON text (as flagc_context_parse_json reads it): a text that
 * is not a context gives FLAGC_ERROR_PARSE_ERROR in the result. */
flagc_status flagc_evaluate_json(const flagc_bundle *bundle, flagc_flag flag, const char *json, size_t length,
                                 flagc_result *result);

/* Evaluates `flag` for `count` contexts into results[0 ..< count]. */
flagc_status flagc_evaluate_many(const flagc_bundle *bundle, flagc_flag flag, flagc_context *const *contexts,
                                 size_t count, flagc_result *results);
/* Evaluates `flag` for `count` JSON contexts in JSON Lines text (one object per line, lines separated
 * by LF, a CR before it ignored, a final LF optional), writing columns: variants[i] (required), and
 * when not NULL reasons[i], error_codes[i] and rules[i]. A line that is not a context gives variant -1
 * and FLAGC_ERROR_PARSE_ERROR. FLAGC_INVALID_ARGUMENT, with nothing written, when the text does not
 * hold exactly `count` lines. */
flagc_status flagc_evaluate_many_json(const flagc_bundle *bundle, flagc_flag flag, const char *lines,
                                      size_t length, size_t count, int32_t *variants, int32_t *reasons,
                                      int32_t *error_codes, int32_t *rules);

/* flagc_evaluate_many_json for several flags at once: each line is parsed once and evaluated for
 * flags[0 ..< flag_count]. Columns are flag-major: the answer of flags[f] for line i is at
 * [f * count + i], so each column array holds flag_count * count values. */
flagc_status flagc_evaluate_flags_many_json(const flagc_bundle *bundle, const flagc_flag *flags, size_t flag_count,
                                            const char *lines, size_t length, size_t count, int32_t *variants,
                                            int32_t *reasons, int32_t *error_codes, int32_t *rules);

#ifdef __cplusplus
}
#endif

#endif /* FLAGC_H */
