#pragma once
#include <mpi.h>

#include <string>

#include "../common/error.h"

namespace ccb::mpi {

// MPI_ERRORS_RETURN is set on every communicator, so failures surface here as one clear line.
inline void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw Error(ErrorKind::Internal, std::string(what) + " failed: " + std::string(msg, size_t(len)));
}

}  // namespace ccb::mpi
