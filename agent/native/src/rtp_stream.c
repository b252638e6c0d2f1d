/*
 * RTP-sized test streams for the VoIP probe, run by one native thread for all streams.
 *
 * Same stream as agent/src/voip/stream.ts (12-byte RTP header + 160 bytes of G.711 silence
 * every interval to an echo responder; loss, round-trip times, RFC 3550 jitter), measured with
 * the kernel's receive timestamps (SO_TIMESTAMPNS) instead of the time JavaScript gets to an
 * echo. So echoes need not be read the moment they arrive: the thread wakes once per tick,
 * reads what came back since (recvmmsg, with each datagram's arrival time) and sends the next
 * packets. Streams of the same spacing share the ticks. After a stream's last send the thread
 * also wakes on its echoes, so a stream ends as soon as every packet is back.
 * Send times are CLOCK_REALTIME (the clock of the kernel's timestamps), taken right before
 * send(); tick scheduling is CLOCK_MONOTONIC.
 * One thread per process, for the agent's one Node environment: tearing an environment down
 * stops the thread (streams of another environment in the same process would end with it).
 */
#define _GNU_SOURCE
#include "rtp_stream.h"
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Built on glibc >= 2.34, pthread_create and pthread_join bind to their 2.34 versions (the functions
 * moved into libc.so.6), and the addon would not load where glibc is older (2.28-2.33: RHEL 8, Ubuntu
 * 20.04), which the single-file agent otherwise runs on. Bind to the original versions: every glibc
 * has them, the newer ones as compatibility symbols of the same functions.
 */
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.2.5");
#elif defined(__GLIBC__) && defined(__aarch64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.17");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.17");
#endif

#define HDR 12
#define PAYLOAD 160
#define BATCH 16
#define MAX_POLL 64

static int64_t now_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t worker;
static int worker_running = 0;
static int shutting_down = 0;
static int wake_fd = -1;
static rtp_stream *streams = NULL;
static int next_id = 1;

static void wake(void) {
  uint64_t one = 1;
  if (write(wake_fd, &one, sizeof one) < 0) { /* the counter is full: already signalled */ }
}

/** First send of a new stream: the next tick of a running stream of the same spacing, else now. */
static int64_t first_tick(int64_t now, int64_t interval) {
  for (rtp_stream *s = streams; s; s = s->next) {
    if (s->interval_ns == interval && s->sent < s->packets && !s->done) {
      int64_t t = s->next_send;
      while (t - interval > now) t -= interval;
      while (t < now) t += interval;
      return t;
    }
  }
  return now;
}

const char *rtp_errno_name(int e) {
  switch (e) { /* the codes Node would report for a UDP socket (strerrorname_np needs glibc 2.32) */
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ENETDOWN: return "ENETDOWN";
    case EHOSTDOWN: return "EHOSTDOWN";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EINVAL: return "EINVAL";
    default: return "EIO";
  }
}

static void set_error(rtp_stream *s, int err) {
  if (s->error[0] == 0) snprintf(s->error, sizeof s->error, "%s", rtp_errno_name(err));
  s->done = 1;
}

static void on_echo(rtp_stream *s, const unsigned char *b, ssize_t len, int64_t rx_ns) {
  if (len < HDR) return;
  int n = (b[2] << 8) | b[3];
  if (n >= s->sent || !isnan(s->rtt[n])) return; /* not ours, or a duplicate */
  double transit = (double)(rx_ns - s->sent_at[n]) / 1e6;
  s->rtt[n] = transit;
  s->received++;
  if (!isnan(s->last_transit)) s->jitter += (fabs(transit - s->last_transit) - s->jitter) / 16;
  s->last_transit = transit;
  if (s->received == s->packets) s->done = 1;
}

/** Reads every echo waiting on the socket, with its kernel arrival time. */
static void drain(rtp_stream *s) {
  struct mmsghdr m[BATCH];
  struct iovec iov[BATCH];
  unsigned char buf[BATCH][256];
  unsigned char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
      memset(&m[i], 0, sizeof m[i]);
      m[i].msg_hdr.msg_iov = &iov[i];
      m[i].msg_hdr.msg_iovlen = 1;
      m[i].msg_hdr.msg_control = ctl[i];
      m[i].msg_hdr.msg_controllen = sizeof ctl[i];
    }
    int got = recvmmsg(s->fd, m, BATCH, MSG_DONTWAIT, NULL);
    if (got < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) set_error(s, errno);
      return;
    }
    int64_t fallback = now_ns(CLOCK_REALTIME);
    for (int i = 0; i < got; i++) {
      int64_t rx = fallback;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&m[i].msg_hdr); c; c = CMSG_NXTHDR(&m[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec t;
          memcpy(&t, CMSG_DATA(c), sizeof t);
          rx = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
        }
      }
      on_echo(s, buf[i], (ssize_t)m[i].msg_len, rx);
    }
    if (got < BATCH) return;
  }
}

static void send_next(rtp_stream *s, int64_t mono) {
  unsigned char p[HDR + PAYLOAD];
  int seq = s->sent;
  uint32_t ts = (uint32_t)seq * PAYLOAD;
  memset(p + HDR, 0xff, PAYLOAD); /* μ-law silence */
  unsigned char h[HDR] = { 0x80, 0, (unsigned char)(seq >> 8), (unsigned char)seq, (unsigned char)(ts >> 24), (unsigned char)(ts >> 16),
                           (unsigned char)(ts >> 8), (unsigned char)ts, 0x56, 0x49, 0x47, 0x49 }; /* RTP v2, PT 0, SSRC "VIGI" */
  memcpy(p, h, HDR);
  s->sent_at[seq] = now_ns(CLOCK_REALTIME);
  s->sent++;
  if (send(s->fd, p, sizeof p, 0) < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) set_error(s, errno);
  /* the next tick of the grid; a thread held up past a tick skips it (like a JS interval), no burst */
  do s->next_send += s->interval_ns; while (s->next_send <= mono);
  if (s->sent == s->packets) s->wait_until = mono + s->wait_ns;
}

void rtp_stream_free(rtp_stream *s) {
  if (s->fd >= 0) close(s->fd);
  free(s->sent_at);
  free(s->rtt);
  free(s);
}

static void finish(rtp_stream *s) {
  rtp_result *r = calloc(1, sizeof *r);
  if (r) {
    double sum = 0, min = INFINITY, max = 0;
    for (int i = 0; i < s->sent; i++) {
      double t = s->rtt[i];
      if (isnan(t)) continue;
      sum += t;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    r->sent = s->sent;
    r->received = s->received;
    r->jitter_ms = s->jitter;
    r->rtt_avg_ms = s->received ? sum / s->received : 0;
    r->rtt_min_ms = s->received ? min : 0;
    r->rtt_max_ms = max;
    memcpy(r->error, s->error, sizeof r->error);
  }
  napi_call_threadsafe_function(s->tsfn, r, napi_tsfn_nonblocking);
  napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
  rtp_stream_free(s);
}

static void *run(void *arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  while (!shutting_down) {
    int64_t mono = now_ns(CLOCK_MONOTONIC);
    int64_t next = INT64_MAX;
    struct pollfd fds[MAX_POLL];
    int nfds = 1;
    fds[0] = (struct pollfd){ wake_fd, POLLIN, 0 };
    for (rtp_stream **pp = &streams; *pp;) {
      rtp_stream *s = *pp;
      if (!s->done) drain(s);
      if (!s->done && !s->cancelled && s->sent < s->packets && s->next_send <= mono) send_next(s, mono);
      int over = s->done || s->cancelled || (s->sent == s->packets && mono >= s->wait_until);
      if (over) {
        *pp = s->next;
        finish(s);
        continue;
      }
      if (s->sent < s->packets) {
        if (s->next_send < next) next = s->next_send;
      } else {
        if (s->wait_until < next) next = s->wait_until;
        if (nfds < MAX_POLL) fds[nfds++] = (struct pollfd){ s->fd, POLLIN, 0 }; /* last echoes: wake on arrival */
      }
      pp = &s->next;
    }
    pthread_mutex_unlock(&mu);
    struct timespec ts, *tp = NULL;
    if (next != INT64_MAX) {
      int64_t d = next - now_ns(CLOCK_MONOTONIC);
      if (d < 0) d = 0;
      ts = (struct timespec){ d / 1000000000, d % 1000000000 };
      tp = &ts;
    }
    if (ppoll(fds, nfds, tp, NULL) > 0 && (fds[0].revents & POLLIN)) {
      uint64_t v;
      if (read(wake_fd, &v, sizeof v) < 0) { /* nothing to read */ }
    }
    pthread_mutex_lock(&mu);
  }
  for (rtp_stream *s = streams, *n; s; s = n) {
    n = s->next;
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
    rtp_stream_free(s);
  }
  streams = NULL;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int rtp_stream_add(rtp_stream *s) {
  pthread_mutex_lock(&mu);
  if (!worker_running) {
    if (wake_fd < 0) wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0 || pthread_create(&worker, NULL, run, NULL) != 0) {
      pthread_mutex_unlock(&mu);
      return -1;
    }
    worker_running = 1;
    shutting_down = 0;
  }
  int64_t mono = now_ns(CLOCK_MONOTONIC);
  s->id = next_id++;
  s->next_send = first_tick(mono, s->interval_ns);
  s->last_transit = NAN;
  for (int i = 0; i < s->packets; i++) s->rtt[i] = NAN;
  s->next = streams;
  streams = s;
  wake();
  int id = s->id;
  pthread_mutex_unlock(&mu);
  return id;
}

void rtp_stream_cancel(int id) {
  pthread_mutex_lock(&mu);
  for (rtp_stream *s = streams; s; s = s->next) {
    if (s->id == id) {
      s->cancelled = 1;
      wake();
    }
  }
  pthread_mutex_unlock(&mu);
}

void rtp_stream_shutdown(void) {
  pthread_mutex_lock(&mu);
  int running = worker_running;
  shutting_down = 1;
  if (running) wake();
  pthread_mutex_unlock(&mu);
  if (running) pthread_join(worker, NULL);
  pthread_mutex_lock(&mu);
  worker_running = 0;
  pthread_mutex_unlock(&mu);
}
