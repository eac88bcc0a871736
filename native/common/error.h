// Errors raised inside the native layer. They never cross the Node-API boundary as C++ exceptions:
// the worker catches them and rejects the JavaScript promise with `code` set from Kind.
#pragma once
#include <stdexcept>
#include <string>

namespace ccb {

enum class ErrorKind {
  Usage,        // the user can fix it (exit 2)
  Unavailable,  // a library or device is missing (exit 2, with how to get it)
  Internal,     // a bug or a failing library call (exit 1)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

inline const char* errorCode(ErrorKind k) {
  switch (k) {
    case ErrorKind::Usage: return "E_USAGE";
    case ErrorKind::Unavailable: return "E_UNAVAILABLE";
    case ErrorKind::Internal: return "E_INTERNAL";
  }
  return "E_INTERNAL";
}

}  // namespace ccb
