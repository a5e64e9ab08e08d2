// The fixture of the tests that run unchanged on every backend. Each test binary
// (tests/sqlite, tests/postgresql) instantiates the suites for its own database.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "databases.hpp"
#include "retort/core.hpp"

namespace retort_test {

class BackendTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    url_ = GetParam().url();
    engine_.emplace(retort::create_engine(url_));
    conn_ = engine_->connect();
  }
  void TearDown() override {
    conn_.close();
    if (engine_) engine_->dispose();
  }

  bool postgres() const { return GetParam().name == "postgresql"; }
  retort::Engine& engine() { return *engine_; }
  retort::Connection& conn() { return conn_; }
  // A second engine on the same database with other options.
  retort::Engine make_engine(retort::EngineOptions options) const {
    return retort::create_engine(url_, std::move(options));
  }

  std::string url_;
  std::optional<retort::Engine> engine_;
  retort::Connection conn_;
};

}  // namespace retort_test

// Each shared test file is compiled into every backend's test binary, which defines
// RETORT_TEST_BACKEND as sqlite_backend or postgres_backend; a file instantiates its own
// suites with this macro.
#define RETORT_INSTANTIATE_FOR_BACKEND(suite)                                      \
  INSTANTIATE_TEST_SUITE_P(Backend, suite, testing::Values(RETORT_TEST_BACKEND()), \
                           ::retort_test::backend_name)
