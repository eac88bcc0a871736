// delayq: a constant one-way delay for the namespace cluster's shaped links (cluster.sh shape),
// where the kernel has no netem. Takes every packet iptables sends to an NFQUEUE and gives it back
// (NF_ACCEPT) <delay> µs after this program saw it, in arrival order: with one constant delay a
// FIFO keeps the order, so the due packets are always a prefix of the queue and one batch verdict
// (accept every id up to n) releases them. Only the packets' metadata is copied to us, and GSO
// packets come whole (NFQA_CFG_F_GSO), so the cost is per packet, not per byte.
// Precision: sleep (ppoll, 1 ns timer slack) until SPIN_NS before the deadline,
// less how late such wake-ups have come lately, then spin to it, reading new packets meanwhile so
// their arrival times stay exact. delayq says on exit how late it let packets go.
//   delayq <queue-num> <delay-µs>     runs until SIGTERM/SIGINT, then accepts what it holds
// Build: cc -O2 -o delayq delayq.c -lnetfilter_queue -lnfnetlink (Debian: libnetfilter-queue-dev).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#define CAP 65536  // packets held at once; the kernel's queue is capped a little below it
#define SPIN_NS 20000
#define MAX_OVERSHOOT_NS 50000  // a wake-up later than this is the VM preempted: not compensated

static struct {
  uint32_t id[CAP];
  int64_t due[CAP];
  unsigned head, n;
} q;
static int64_t delay_ns;
static volatile sig_atomic_t stop;
static unsigned long long passed, lost;
static int64_t late_sum, late_max;  // how long after its due time each packet went (ns)
static int64_t spun;                // ns spent spinning

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void on_signal(int s) {
  (void)s;
  stop = 1;
}

// A packet arrived: note when it is due.
static int on_packet(struct nfq_q_handle* qh, struct nfgenmsg* m, struct nfq_data* d, void* u) {
  (void)m, (void)u;
  struct nfqnl_msg_packet_hdr* h = nfq_get_msg_packet_hdr(d);
  if (!h) return 0;
  uint32_t id = ntohl(h->packet_id);
  if (q.n == CAP) {  // cannot happen with the kernel's cap; accept at once rather than lose it
    nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    return 0;
  }
  unsigned i = (q.head + q.n++) % CAP;
  q.id[i] = id;
  q.due[i] = now_ns() + delay_ns;
  return 0;
}

// Reads every message waiting on the socket (non-blocking).
static void drain(struct nfq_handle* h, int fd) {
  static char buf[65536] __attribute__((aligned));
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r > 0) {
      nfq_handle_packet(h, buf, (int)r);
      continue;
    }
    if (r < 0 && errno == ENOBUFS) {  // the kernel dropped packets it could not tell us about
      lost++;
      continue;
    }
    return;  // EAGAIN (nothing more), EINTR (a signal: the loop looks at stop)
  }
}

// Accepts every held packet due by t (all of them when t is INT64_MAX), in one verdict.
static void release(struct nfq_q_handle* qh, int64_t t) {
  unsigned k = 0;
  int64_t now = now_ns();
  while (k < q.n && q.due[(q.head + k) % CAP] <= t) {
    int64_t late = now - q.due[(q.head + k) % CAP];
    if (t != INT64_MAX) late_sum += late, late_max = late > late_max ? late : late_max;
    k++;
  }
  if (!k) return;
  nfq_set_verdict_batch(qh, q.id[(q.head + k - 1) % CAP], NF_ACCEPT);
  q.head = (q.head + k) % CAP;
  q.n -= k;
  passed += k;
}

int main(int argc, char** argv) {
  char *end1 = "", *end2 = "";
  long num = argc == 3 ? strtol(argv[1], &end1, 10) : -1;
  double us = argc == 3 ? strtod(argv[2], &end2) : -1;
  if (argc != 3 || num < 0 || num > 65535 || !(us >= 0 && us <= 1e6) || *end1 || *end2) {
    fprintf(stderr, "usage: delayq <queue-num 0..65535> <delay-µs 0..1000000>\n");
    return 2;
  }
  delay_ns = (int64_t)(us * 1000);
  prctl(PR_SET_TIMERSLACK, 1UL);  // else a sleep may overrun by the default 50 µs slack
  // Normal priority: SCHED_FIFO gained nothing clear in A/B runs here, and a real-time spinner on
  // 2 vCPUs shared with other jobs could starve the ranks. How late it let packets go, and how long
  // it spun, are in results/shaped-links/*/shaping.txt (tens of µs on average on this busy VM, 6%
  // of a core spinning through a shaped bw run); a 5 µs spin did worse (timer wake-ups come ~20 µs
  // late here). Not counted: how long the kernel takes to wake this process for a packet that
  // comes to an empty queue.
  struct nfq_handle* h = nfq_open();
  if (!h) return perror("delayq: nfq_open"), 1;
  struct nfq_q_handle* qh = nfq_create_queue(h, (uint16_t)num, on_packet, NULL);
  if (!qh) return fprintf(stderr, "delayq: cannot bind queue %ld (another listener?)\n", num), 1;
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) return perror("delayq: nfq_set_mode"), 1;
  nfq_set_queue_maxlen(qh, CAP - 1024);
  nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8 << 20);
  int fd = nfq_fd(h);

  // SIGTERM only between checks of stop: ppoll unblocks it while it waits, so none is missed.
  sigset_t block, wait_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &wait_mask);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fprintf(stderr, "delayq: queue %ld, %.1f µs\n", num, us);

  int64_t overshoot = 0;  // how late ppoll's timeout wakes us, on average (an EWMA, 1/8 weight)
  while (!stop) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct timespec ts, *tp = NULL;
    int64_t wake = 0;
    if (q.n) {
      wake = q.due[q.head] - SPIN_NS - overshoot;
      int64_t left = wake - now_ns();
      if (left < 0) left = 0;
      ts.tv_sec = left / 1000000000;
      ts.tv_nsec = left % 1000000000;
      tp = &ts;
    }
    int r = ppoll(&p, 1, tp, &wait_mask);
    if (r > 0) drain(h, fd);
    if (r == 0 && wake) {
      int64_t late = now_ns() - wake;
      if (late > 0 && late < MAX_OVERSHOOT_NS) overshoot += (late - overshoot) / 8;
    }
    if (!q.n || q.due[q.head] - now_ns() > SPIN_NS) continue;  // woken by a packet, early
    // Within SPIN_NS of the head's deadline: spin to it, still taking in new packets.
    int64_t spin0 = now_ns();
    for (;;) {
      int64_t t = now_ns();
      if (t >= q.due[q.head]) {
        release(qh, t);
        spun += t - spin0;
        break;
      }
      drain(h, fd);
      if (stop) break;
    }
  }
  release(qh, INT64_MAX);
  fprintf(stderr,
          "delayq: stopped; %llu packets delayed, %.1f µs late on average, %.1f µs at most; %.2f s spinning; %llu "
          "overruns of the socket\n",
          passed, passed ? late_sum / 1e3 / passed : 0.0, late_max / 1e3, spun / 1e9, lost);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
