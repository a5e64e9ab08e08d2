// Pool kinds and the pool's observable state.
//
//   queue   keeps up to pool_size idle connections, opens up to max_overflow more under
//           load, and makes callers wait up to pool_timeout when all are in use
//           (the default for files and servers);
//   null    opens a connection per checkout and closes it on return;
//   static  one connection shared by every checkout (the default for sqlite://, where a
//           memory database lives and dies with its one connection).
#pragma once

namespace retort {

// GCC 12 warns that these scoped enumerators shadow rt::null and the column flags

// (rt::unique, ...), which they cannot: they are reached through the enum only.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
enum class PoolKind { automatic, queue, null, static_ };
#pragma GCC diagnostic pop

struct PoolStatus {
  int size = 0;         // pool_size
  int checked_out = 0;  // connections in use now
  int idle = 0;         // open connections waiting in the pool
  int overflow = 0;     // open connections beyond pool_size
};

}  // namespace retort
