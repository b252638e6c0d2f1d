/*
 * vigil-agent-native: the one thing the agent needs from C that Node does not offer.
 *
 * mallocTrim(): glibc's malloc_trim(0). glibc returns freed memory to the system only
 * from the top of the heap; memory freed in the middle (parser and compiler scratch
 * space from start-up, TLS buffers) stays resident as free chunks. malloc_trim walks
 * the free chunks and gives their whole pages back (madvise MADV_DONTNEED). The agent
 * calls it when a round of checks has finished (docs/agent-footprint.md).
 * Returns true when memory was released, false when there was none, and undefined on a
 * C library without malloc_trim (musl, macOS).
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value MallocTrim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__)
  if (napi_get_boolean(env, malloc_trim(0) == 1, &result) != napi_ok) return NULL;
#else
  if (napi_get_undefined(env, &result) != napi_ok) return NULL;
#endif
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "mallocTrim", NAPI_AUTO_LENGTH, MallocTrim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "mallocTrim", fn) != napi_ok) return NULL;
  return exports;
}
