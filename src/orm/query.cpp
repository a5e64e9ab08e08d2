#include "retort/orm/query.hpp"

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"

namespace retort::orm {

QueryState::QueryState(SessionCore* core, const Mapper& mapper)
    : core_(core), mapper_(&mapper), select_(SessionCore::select_of(mapper)) {}
QueryState::QueryState(SessionCore* core, const Mapper& mapper, sql::Select select)
    : core_(core), mapper_(&mapper), select_(std::move(select)) {}
QueryState::QueryState(const QueryState& other) = default;
QueryState::QueryState(QueryState&& other) noexcept = default;
QueryState& QueryState::operator=(const QueryState& other) = default;
QueryState& QueryState::operator=(QueryState&& other) noexcept = default;
QueryState::~QueryState() = default;

SessionCore& QueryState::session() const {
  if (!core_) {
    throw ArgumentError(
        "this query has no session: use session.query<T>(), or pass a connection to all()");
  }
  return *core_;
}

Registry& QueryState::registry_of() const {
  return core_ ? core_->registry() : registry();
}

void QueryState::load(QuerySink& sink) const {
  session().run_query(*mapper_, select_, populate_existing_, options_, sink);
}

namespace {

sql::Select count_statement(const sql::Select& select) {
  return sql::select(sql::count()).select_from(select.subquery("anon_1"));
}

sql::Expr<bool> where_clause(const sql::Select& select) {
  std::vector<sql::Expr<bool>> parts;
  for (const auto& n : select.data().where)
    parts.emplace_back(n);
  return sql::and_(std::move(parts));
}

// The rows' keys, as the query selects them, in `table`'s key columns.
sql::Expr<bool> selected_keys(const Table& table, const std::vector<const Attribute*>& key,
                              const sql::Select& select) {
  std::vector<sql::NodePtr> keys;
  for (const Attribute* a : key)
    keys.push_back(table.c(a->name).node());
  sql::Select found = select.with_only_columns(sql::Expr<>(keys.front()));
  for (std::size_t i = 1; i < keys.size(); ++i)
    found = found.add_columns(sql::Expr<>(keys[i]));
  const sql::Expr<> columns = keys.size() == 1
                                  ? sql::Expr<>(keys.front())
                                  : sql::Expr<>(std::make_shared<sql::TupleNode>(keys));
  return columns.in_(found);
}

// The bulk statements' condition. A joined class's query joins the tables of its bases
// and subclasses (the conditions may name any of them), and a concrete class's reads its
// table in place of its bases': their rows are found by key through the query itself. A
// UNION ALL of several tables cannot be changed by one statement.
sql::Expr<bool> bulk_condition(const Mapper& mapper, const sql::Select& select) {
  const Inheritance* h = mapper.inheritance();
  if (h && h->joined()) return selected_keys(h->root->table(), h->root->primary_key(), select);
  if (!h || !h->concrete) return where_clause(select);
  if (!h->subclasses.empty()) {
    throw ArgumentError("bulk update() / delete_() of " + mapper.class_name() +
                        " would change the tables of its concrete subclasses as well; run it "
                        "on each class");
  }
  return selected_keys(mapper.table(), mapper.primary_key(), select);
}

}  // namespace

std::int64_t QueryState::count_rows() const {
  auto& core = session();
  core.autoflush();
  return core.connection().execute(count_statement(select_)).scalar<std::int64_t>();
}

std::int64_t QueryState::count_rows(Connection& conn) const {
  return conn.execute(count_statement(select_)).scalar<std::int64_t>();
}

bool QueryState::any_rows() const {
  auto& core = session();
  core.autoflush();
  return core.connection().execute(sql::select(sql::exists(select_))).scalar<bool>();
}

std::int64_t QueryState::update_rows(
    const std::vector<std::pair<std::string, Value>>& values) const {
  return session().bulk_update(*mapper_, bulk_condition(*mapper_, select_), values);
}

std::int64_t QueryState::delete_rows() const {
  return session().bulk_delete(*mapper_, bulk_condition(*mapper_, select_));
}

Result QueryState::stream_rows() const {
  auto& core = session();
  core.autoflush();
  return core.connection().stream(select_);
}

void QueryState::add_option(const LoadOption& option) {
  options_.push_back(option);
}

void QueryState::read_rows(Connection& conn, void* (*next_object)(void* out),
                           void (*make_room)(void* out, std::size_t rows), void* out) const {
  auto result = conn.execute(select_);
  if (const std::size_t rows = result.rows_ahead()) make_room(out, rows);
  // The driver reads the rows in one loop, handing back only those with a column it
  // leaves to the attributes (a type it does not read, a value to convert or refuse).
  void* object = nullptr;
  std::size_t at = 0;
  while (result.read_member_rows(mapper_->row_members(), 0, next_object, out, object, at))
    mapper_->read_rest(object, result.row().statement(), 0, at);
}

void QueryState::no_result() const {
  throw NoResultError("one(): no " + mapper_->class_name() + " matched");
}

void QueryState::multiple_results() const {
  throw MultipleResultsError("one(): more than one " + mapper_->class_name() + " matched");
}

}  // namespace retort::orm
