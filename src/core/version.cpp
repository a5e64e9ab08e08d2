#include "retort/version.hpp"

namespace retort {

const char* library_version() {
  return RETORT_VERSION_STRING;
}

}  // namespace retort
