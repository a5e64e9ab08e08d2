// Retort Core: engine, pool, connections, transactions, results, values and errors.
#pragma once

#include "retort/core/connection.hpp"
#include "retort/core/datetime.hpp"
#include "retort/core/engine.hpp"
#include "retort/core/error.hpp"
#include "retort/core/events.hpp"
#include "retort/core/params.hpp"
#include "retort/core/pool.hpp"
#include "retort/core/record.hpp"
#include "retort/core/result.hpp"
#include "retort/core/row.hpp"
#include "retort/core/statement.hpp"
#include "retort/core/transaction.hpp"
#include "retort/core/url.hpp"
#include "retort/core/uuid.hpp"
#include "retort/core/value.hpp"
