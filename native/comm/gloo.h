// Gloo (CPU, TCP transport): an MPI-free communication backend. Gloo needs every rank to know
// every peer's listening addresses before it can connect, so bring-up has two phases around one
// exchange that the control plane does: prepare() returns this rank's address blob, the control
// plane gives every rank all blobs, and connect() builds the full mesh. No Gloo store is used.
// Without Gloo at build time, gloo_none.cc provides these and each call explains how to get it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "comm.h"

namespace ccb::gloo {

bool available();
std::string unavailableReason();  // "" when available
std::string libraryVersion();     // "Gloo <major>.<minor>.<patch>"

// Phase 1, on every rank: creates the TCP device bound to `host` and one listening pair per peer,
// and returns this rank's address blob (opaque bytes) for the control plane to exchange.
// `host` is an address or hostname of this machine that every peer can reach; "" means 127.0.0.1,
// which only works when all ranks share one host (connect() says so when they do not).
std::vector<char> prepare(int rank, int size, const std::string& host);

// Phase 2, on every rank: the blobs of all ranks indexed by rank, this rank's own included.
// Connects the full mesh and returns the backend ("gloo"; world() spans all ranks).
std::unique_ptr<Backend> connect(const std::vector<std::vector<char>>& blobs);

}  // namespace ccb::gloo
