// Retort ORM: mapping plain structs, relationships, the Session and typed queries.
#pragma once

#include "retort/orm/association_proxy.hpp"
#include "retort/orm/codec.hpp"
#include "retort/orm/dynamic.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/orm/load_options.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/query.hpp"
#include "retort/orm/ref.hpp"
#include "retort/orm/registry.hpp"
#include "retort/orm/relationship.hpp"
#include "retort/orm/session.hpp"
