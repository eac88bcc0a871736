/* The plain-C reference for `npm run bench:overhead`: the smallest MPI program that measures
 * what ccbench measures, the same way, so the ratio of the two shows ccbench's own overhead.
 *
 *   plain_mpi allreduce <bytes> <iters> <warmup> <reps>   float32 sum; per iteration: t0,
 *                                  MPI_Allreduce, t1, then an untimed MPI_Barrier (OSU)
 *   plain_mpi pingpong  <bytes> <iters> <warmup> <reps>   ranks 0 and 1; sample = round trip / 2
 *   plain_mpi reducescatter <bytes> ...                  MPI_Reduce_scatter_block, float32 sum,
 *                                  <bytes> the whole send array (each rank keeps bytes / ranks)
 *   plain_mpi reducescatterv <bytes> ...                 the same through MPI_Reduce_scatter
 *
 * The timed loop runs on the process's main thread, as in any MPI program; PLAIN_MPI_THREAD=1 runs
 * it on a second thread instead (MPI_THREAD_SINGLE still holds: one thread calls MPI), to show
 * what the thread changes (glibc serves a second thread's mallocs from another arena).
 *
 * Each repetition warms up, times `iters` iterations and sends every rank's samples to rank 0, as
 * one ccbench --repeat cycle does. Rank 0 prints one JSON line with, per repetition, the median
 * (nearest rank) over iterations of the slowest rank's time, as ccbench's p50 column.
 *
 * Results travel exactly as ccbench's control plane sends them (MPI_Gather of the length, then
 * MPI_Gatherv of a 46-byte header and the samples; an identity exchange and a barrier at start):
 * Open MPI's shared-memory fast boxes make small-message latency depend on the message history,
 * so both programs must give the library the same one.
 *
 * An optional 6th argument asks for a thread level (single, funneled, serialized, multiple) with
 * MPI_Init_thread instead of MPI_Init: `npm run bench:thread-level` compares them. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* ccbench's control-plane gather: every rank's bytes to rank 0 (out: rank 0 only). */
static void gather_bytes(const void* data, int len, char* out) {
  int lens[2], displs[2] = {0, 0};
  MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
  displs[1] = lens[0];
  MPI_Gatherv(data, len, MPI_BYTE, out, lens, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

struct job {
  int argc;
  char** argv;
  int rank, size;
};

static void* bench(void* arg);

int main(int argc, char** argv) {
  const char* const levels[] = {"single", "funneled", "serialized", "multiple"};
  int level = -1;
  for (int i = 0; argc == 7 && i < 4; ++i)
    if (strcmp(argv[6], levels[i]) == 0) level = i; /* MPI_THREAD_SINGLE..MULTIPLE are 0..3 */
  if (level < 0) {
    MPI_Init(&argc, &argv);
  } else {
    int provided;
    MPI_Init_thread(&argc, &argv, level, &provided);
  }
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if ((argc != 6 && argc != 7) || size != 2) {
    if (rank == 0)
      fprintf(stderr,
              "usage: mpirun -np 2 plain_mpi allreduce|pingpong|reducescatter|reducescatterv <bytes> <iters> <warmup> "
              "<reps> [thread level]\n");
    MPI_Finalize();
    return 2;
  }
  struct job j = {argc, argv, rank, size};
  if (getenv("PLAIN_MPI_THREAD") && strcmp(getenv("PLAIN_MPI_THREAD"), "1") == 0) {
    pthread_t th;
    pthread_create(&th, NULL, bench, &j);
    pthread_join(th, NULL);
  } else {
    bench(&j);
  }
  MPI_Finalize();
  return 0;
}

static void* bench(void* arg) {
  const struct job* j = arg;
  char** argv = j->argv;
  const int rank = j->rank, size = j->size;
  const int pingpong = strcmp(argv[1], "pingpong") == 0;
  const int rsblock = strcmp(argv[1], "reducescatter") == 0, rsv = strcmp(argv[1], "reducescatterv") == 0;
  int* counts = malloc(sizeof(int) * size);
  const int count = atoi(argv[2]) / 4;
  const int iters = atoi(argv[3]), warmup = atoi(argv[4]), reps = atoi(argv[5]);
  float* send = aligned_alloc(4096, ((size_t)count * 4 + 4095) / 4096 * 4096);
  float* recv = aligned_alloc(4096, ((size_t)count * 4 + 4095) / 4096 * 4096);
  for (int i = 0; i < count; ++i) send[i] = (float)((i + rank) % 5), recv[i] = 0;
  double* t = malloc(sizeof(double) * iters);
  const int peer = 1 - rank;
  for (int r = 0; r < size; ++r) counts[r] = count / size;

  enum { HEADER = 46 }; /* ccbench's length word and JSON header in front of the samples */
  const int msg = HEADER + 8 * iters;
  char* blob = calloc(1, msg);
  char* all = calloc(2, msg);
  gather_bytes(blob, 48, all); /* identities */
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("{\"op\":\"%s\",\"bytes\":%d,\"iters\":%d,\"p50_us\":[", argv[1], count * 4, iters);
  for (int rep = 0; rep < reps; ++rep) {
    for (int i = -warmup; i < iters; ++i) {
      double t0 = now_us();
      if (pingpong) {
        if (rank == 0) {
          MPI_Send(send, count, MPI_FLOAT, peer, 1, MPI_COMM_WORLD);
          MPI_Recv(recv, count, MPI_FLOAT, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(recv, count, MPI_FLOAT, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          MPI_Send(send, count, MPI_FLOAT, peer, 1, MPI_COMM_WORLD);
        }
        if (i >= 0) t[i] = (now_us() - t0) / 2;
      } else {
        if (rsblock)
          MPI_Reduce_scatter_block(send, recv, count / size, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        else if (rsv)
          MPI_Reduce_scatter(send, recv, counts, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        else
          MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (i >= 0) t[i] = now_us() - t0;
        MPI_Barrier(MPI_COMM_WORLD);
      }
    }
    memcpy(blob + HEADER, t, 8 * (size_t)iters);
    gather_bytes(blob, msg, all);
    /* Slowest rank per iteration (ping-pong: rank 0 alone reports, as in ccbench). */
    if (rank == 0) {
      const double* other = (const double*)(all + msg + HEADER);
      for (int i = 0; i < iters; ++i)
        if (!pingpong && other[i] > t[i]) t[i] = other[i];
      qsort(t, iters, sizeof(double), cmp);
      printf("%s%.6f", rep ? "," : "", t[(iters + 1) / 2 - 1]); /* nearest rank: ceil(0.5 n) - 1 */
    }
  }
  if (rank == 0) printf("]}\n");
  free(t);
  free(blob);
  free(all);
  free(send);
  free(recv);
  free(counts);
  return NULL;
}
