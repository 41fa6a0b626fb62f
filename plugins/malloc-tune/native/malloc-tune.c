/*
 * glibc malloc tuning for the daemon process, loaded as a Node-API addon (malloc-tune.ts).
 *
 * Why: after a burst of requests the daemon's V8 heap is back to its size, but RSS is not (measured with the
 * fuzz harness: heap used 33 -> 28 MiB, external 4 -> 5 MiB, RSS 98 -> 155 MiB). The rest is glibc malloc
 * keeping what native code freed: its mmap threshold rises each time a large mmapped block is freed (up to
 * 32 MiB), so later large blocks come from the arenas instead of mmap, and free memory below an arena's top
 * is never returned (mallopt(3)). With MALLOC_TRIM_THRESHOLD_=131072 in the daemon's environment (which
 * also stops that rise) the same run ended at 112 MiB. The MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ environment
 * variables fix that but must be set before the process starts; mallopt(3) does the same from inside, and
 * malloc_trim(3) hands back the free pages of every arena (madvise) when the daemon is idle.
 *
 * Node-API is a stable C ABI: the few declarations below are all this needs, so no Node headers are needed.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

extern napi_status napi_create_function(napi_env env, const char *name, size_t length, napi_callback cb, void *data, napi_value *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *name, napi_value value);
extern napi_status napi_get_boolean(napi_env env, int value, napi_value *result);
extern napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *this_arg, void **data);
extern napi_status napi_get_value_int32(napi_env env, napi_value value, int32_t *result);

/* tune(mmapThreshold, trimThreshold, arenaMax): true when glibc took every setting. */
static napi_value tune(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t mmap_threshold = 0, trim_threshold = 0, arena_max = 0;
  napi_value result;
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == 0 && argc == 3
    && napi_get_value_int32(env, argv[0], &mmap_threshold) == 0
    && napi_get_value_int32(env, argv[1], &trim_threshold) == 0
    && napi_get_value_int32(env, argv[2], &arena_max) == 0;
  /* Setting a threshold also turns glibc's dynamic raising of it off (mallopt(3), M_MMAP_THRESHOLD). */
  if (ok && mmap_threshold > 0) ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1;
  if (ok && trim_threshold > 0) ok = mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
  if (ok && arena_max > 0) ok = mallopt(M_ARENA_MAX, arena_max) == 1;
  napi_get_boolean(env, ok, &result);
  return result;
}

/* trim(): malloc_trim(0); true when some memory was returned to the system. */
static napi_value trim(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  napi_get_boolean(env, malloc_trim(0), &result);
  return result;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "tune", 4, tune, NULL, &fn) == 0) napi_set_named_property(env, exports, "tune", fn);
  if (napi_create_function(env, "trim", 4, trim, NULL, &fn) == 0) napi_set_named_property(env, exports, "trim", fn);
  return exports;
}
