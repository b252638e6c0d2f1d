/*
 * vigil-agent-native: what the agent needs from C that Node does not offer.
 *
 * mallocTrim(): glibc's malloc_trim(0). glibc returns freed memory to the system only
 * from the top of the heap; memory freed in the middle (parser and compiler scratch
 * space from start-up, TLS buffers) stays resident as free chunks. malloc_trim walks
 * the free chunks and gives their whole pages back (madvise MADV_DONTNEED). The agent
 * calls it when a round of checks has finished (docs/agent-footprint.md).
 * Returns true when memory was released, false when there was none, and undefined on a
 * C library without malloc_trim (musl, macOS).
 *
 * voipStream(address, family, port, packets, intervalMs, waitMs, callback) → id and
 * voipCancel(id) (Linux): the VoIP probe's stream with kernel receive timestamps, run by
 * one native thread (rtp_stream.c). The callback gets {sent, received, jitterMs, rttAvgMs,
 * rttMinMs, rttMaxMs, error?} once. A socket that cannot be made or connected throws an
 * Error with the errno name as `code`.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rtp_stream.h"
#endif

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value MallocTrim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__)
  CHECK(napi_get_boolean(env, malloc_trim(0) == 1, &result));
#else
  CHECK(napi_get_undefined(env, &result));
#endif
  return result;
}

#if defined(__linux__)
static void set_num(napi_env env, napi_value o, const char *k, double v) {
  napi_value n;
  if (napi_create_double(env, v, &n) == napi_ok) napi_set_named_property(env, o, k, n);
}

/* On the JS thread: the stream's result to its callback. */
static void deliver(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  rtp_result *r = data;
  if (env == NULL) { free(r); return; }
  rtp_result oom = { .error = "ENOMEM" }; /* finish() could not allocate the result: still answer */
  if (r == NULL) r = &oom;
  napi_value o, undef, err;
  if (napi_create_object(env, &o) == napi_ok && napi_get_undefined(env, &undef) == napi_ok) {
    set_num(env, o, "sent", r->sent);
    set_num(env, o, "received", r->received);
    set_num(env, o, "jitterMs", r->jitter_ms);
    set_num(env, o, "rttAvgMs", r->rtt_avg_ms);
    set_num(env, o, "rttMinMs", r->rtt_min_ms);
    set_num(env, o, "rttMaxMs", r->rtt_max_ms);
    if (r->error[0] && napi_create_string_utf8(env, r->error, NAPI_AUTO_LENGTH, &err) == napi_ok) napi_set_named_property(env, o, "error", err);
    napi_call_function(env, undef, cb, 1, &o, NULL);
  }
  if (r != &oom) free(r);
}

static napi_value throw_errno(napi_env env, int e, const char *what) {
  napi_throw_error(env, rtp_errno_name(e), what);
  return NULL;
}

static napi_value VoipStream(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) { napi_throw_type_error(env, NULL, "voipStream(address, family, port, packets, intervalMs, waitMs, callback)"); return NULL; }
  char addr[64];
  size_t len;
  int32_t family, port, packets, interval_ms, wait_ms;
  CHECK(napi_get_value_string_utf8(env, argv[0], addr, sizeof addr, &len));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  CHECK(napi_get_value_int32(env, argv[3], &packets));
  CHECK(napi_get_value_int32(env, argv[4], &interval_ms));
  CHECK(napi_get_value_int32(env, argv[5], &wait_ms));
  if (packets < 1 || packets > 65535 || interval_ms < 1 || wait_ms < 0 || port < 1 || port > 65535) { napi_throw_range_error(env, NULL, "voipStream: argument out of range"); return NULL; }
  struct sockaddr_storage sa;
  socklen_t salen;
  memset(&sa, 0, sizeof sa);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) { napi_throw_error(env, "EINVAL", "voipStream: not an IPv6 address"); return NULL; }
    salen = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&sa;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) { napi_throw_error(env, "EINVAL", "voipStream: not an IPv4 address"); return NULL; }
    salen = sizeof *a;
  }
  int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "voipStream: socket");
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 || connect(fd, (struct sockaddr *)&sa, salen) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "voipStream: connect");
  }
  rtp_stream *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "voipStream: out of memory");
    return NULL;
  }
  s->fd = fd;
  s->packets = packets;
  s->interval_ns = (int64_t)interval_ms * 1000000;
  s->wait_ns = (int64_t)wait_ms * 1000000;
  s->sent_at = calloc((size_t)packets, sizeof *s->sent_at);
  s->rtt = calloc((size_t)packets, sizeof *s->rtt);
  napi_value name;
  if (!s->sent_at || !s->rtt || napi_create_string_utf8(env, "vigil-voip-stream", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, argv[6], NULL, name, 0, 1, NULL, NULL, NULL, deliver, &s->tsfn) != napi_ok) {
    rtp_stream_free(s);
    napi_throw_error(env, "ENOMEM", "voipStream: out of memory");
    return NULL;
  }
  int id = rtp_stream_add(s);
  if (id < 0) {
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
    rtp_stream_free(s);
    napi_throw_error(env, "EAGAIN", "voipStream: cannot start the stream thread");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int32(env, id, &out));
  return out;
}

static napi_value VoipCancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) return NULL;
  rtp_stream_cancel(id);
  return NULL;
}

static void teardown(void *arg) {
  (void)arg;
  rtp_stream_shutdown();
}
#endif

static int add(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) == napi_ok && napi_set_named_property(env, exports, name, f) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!add(env, exports, "mallocTrim", MallocTrim)) return NULL;
#if defined(__linux__)
  if (!add(env, exports, "voipStream", VoipStream) || !add(env, exports, "voipCancel", VoipCancel)) return NULL;
  napi_add_env_cleanup_hook(env, teardown, NULL);
#endif
  return exports;
}
