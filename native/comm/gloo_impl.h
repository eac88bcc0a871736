// Internal to the Gloo backend: gloo.cc (bring-up, split), gloo_ops.cc (the communicator),
// gloo_reduce.cc (reduction kernels, reduce-scatter), gloo_guard.cc (listening pairs that check
// who connects).
#pragma once
#include <gloo/context.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../common/error.h"
#include "comm.h"

namespace ccb::gloo {

// Every Gloo wait (connect, send, receive) gives up after this long. Generous, because a peer may
// be allocating and touching large buffers between two ops; a dead peer is noticed sooner than
// this, since its closed sockets fail the pending operations at once.
constexpr std::chrono::milliseconds kTimeout{120000};

// Slots of our own point-to-point traffic. Gloo's collectives put a prefix 0x01..0x08 in the top
// byte (gloo/types.h), so a top byte of 0xcc never meets theirs.
constexpr uint64_t kSlotData = uint64_t(0xcc) << 56;
constexpr uint64_t kSlotAck = kSlotData + 1;
constexpr uint64_t kSlotSplit = kSlotData + 2;
constexpr uint64_t kSlotP2p = kSlotData + 3;  // ccbench replay's send / recv entries

// out[i] = x[i] (op) y[i] for n elements of a dtype; out may alias x. nullptr: no such reduction.
using Kernel = void (*)(void* out, const void* x, const void* y, size_t n);
Kernel kernelFor(Dtype t, RedOp r);

// Gloo's reduce-scatter (ReduceScatterHalvingDoubling, built once per prepared op). It works in
// place on `work` (count elements per rank, ranks' chunks in order) and leaves this rank's reduced
// chunk at the front of `work`.
struct ReduceScatter {
  virtual ~ReduceScatter() = default;
  virtual void run() = 0;
};
std::unique_ptr<ReduceScatter> makeReduceScatter(const std::shared_ptr<::gloo::Context>& ctx, void* work, size_t count,
                                                 Dtype t, RedOp r);

// Rethrows the exception being handled as a ccb::Error: ours unchanged; Gloo's (and the standard
// library's) as Internal, prefixed with `what`. Call only from a catch block.
[[noreturn]] void rethrow(const std::string& what);

// A context over ranks [0, k) of `parent`, connected through addresses exchanged over parent's
// pairs; nullptr on ranks >= k. Collective over the first k ranks of parent.
// A context of `members` (ranks of the parent, in their new order); nullptr on the other ranks.
std::shared_ptr<::gloo::Context> splitContext(::gloo::Context& parent, const std::vector<int>& members);

// Listening pairs that hand Gloo only the peer that sends the pair's token first (gloo_guard.cc):
// a transport context over dev with one such pair per peer, each listening already.
constexpr size_t kTokenBytes = 16;
using Token = std::array<unsigned char, kTokenBytes>;
std::shared_ptr<::gloo::transport::Context> guardedContext(const std::shared_ptr<::gloo::transport::Device>& dev,
                                                           int rank, int size);
// The token that `peer` must send when it dials this rank's pair for it.
const Token& listenToken(::gloo::transport::Context& tc, int peer);
// Connects the pair for `peer` to its address; `theirs` is that pair's token, sent if we dial.
void connectGuarded(::gloo::transport::Context& tc, int peer, const std::vector<char>& address, const Token& theirs);

// The communicator over a connected context.
std::unique_ptr<Comm> makeComm(std::shared_ptr<::gloo::Context> ctx);

}  // namespace ccb::gloo
