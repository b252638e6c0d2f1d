/* The VoIP probe's native stream engine (rtp_stream.c) and what the N-API glue needs of it. */
#ifndef VIGIL_RTP_STREAM_H
#define VIGIL_RTP_STREAM_H
#include <node_api.h>
#include <stdint.h>

typedef struct rtp_result {
  int sent, received;
  double jitter_ms, rtt_avg_ms, rtt_min_ms, rtt_max_ms;
  char error[24]; /* errno name that ended the stream early, or empty */
} rtp_result;

typedef struct rtp_stream {
  struct rtp_stream *next;
  int id, fd, packets, sent, received, done, cancelled;
  int64_t interval_ns, wait_ns, next_send, wait_until;
  int64_t *sent_at; /* CLOCK_REALTIME ns per packet */
  double *rtt;      /* ms per packet, NaN until back */
  double jitter, last_transit;
  char error[24];
  napi_threadsafe_function tsfn; /* called once with an rtp_result* */
} rtp_stream;

/** Closes a stream's socket (fd < 0: none) and frees it with its arrays. */
void rtp_stream_free(rtp_stream *s);
/** Hands a stream (socket connected, arrays allocated) to the worker thread; its id, or -1. */
int rtp_stream_add(rtp_stream *s);
/** Ends a stream now; its result (what came back so far) is still delivered. */
void rtp_stream_cancel(int id);
/** Stops the worker thread (environment teardown). */
void rtp_stream_shutdown(void);
/** The errno's name as Node reports it (ECONNREFUSED …), EIO for anything else. */
const char *rtp_errno_name(int e);
#endif
