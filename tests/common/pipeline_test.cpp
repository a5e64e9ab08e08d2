// Statements sent without waiting (Statement::send) and their counts (Connection::sync):
// the same rows change as if each had run at once, the counts come back in order, and a
// failure is raised, never lost, however the connection is used next.
#include <map>
#include <random>

#include "backend_test.hpp"
#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

class Pipeline : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    drop_tables(conn(), {"pipe_row"});
    conn().execute("CREATE TABLE pipe_row (id INTEGER PRIMARY KEY, v INTEGER NOT NULL UNIQUE)");
  }
  std::map<int, int> stored() {
    std::map<int, int> rows;
    for (const auto& row : conn().execute("SELECT id, v FROM pipe_row").all())
      rows[row.get<int>(0)] = row.get<int>(1);
    return rows;
  }
};

// Random inserts, updates of one row or of a range, and deletes, sent in runs of up to
// 600 (past the point where the driver reads answers on the way), with reads between them
// and transactions that commit or roll back: the counts and the table follow a model.
TEST_P(Pipeline, SentStatementsMatchAModel) {
  std::mt19937 rng(7);
  std::map<int, int> model;
  int next_v = 1;
  auto insert = conn().prepare("INSERT INTO pipe_row (id, v) VALUES (?, ?)");
  auto bump = conn().prepare("UPDATE pipe_row SET v = ? WHERE id = ?");
  auto range = conn().prepare("UPDATE pipe_row SET v = -v WHERE id BETWEEN ? AND ? AND v > 0");
  auto remove = conn().prepare("DELETE FROM pipe_row WHERE id = ?");
  for (int round = 0; round < 40; ++round) {
    auto committed = model;
    auto tx = conn().begin();
    std::vector<std::int64_t> expected;
    const int sends = static_cast<int>(rng() % 600);
    for (int i = 0; i < sends; ++i) {
      const int id = static_cast<int>(rng() % 200);
      switch (rng() % 4) {
        case 0:
          if (model.contains(id)) continue;  // (a duplicate key is the next test's)
          insert.raw().bind_int64(0, id);
          insert.raw().bind_int64(1, next_v);
          insert.send();
          model[id] = next_v++;
          expected.push_back(1);
          break;
        case 1:
          bump.raw().bind_int64(0, next_v);
          bump.raw().bind_int64(1, id);
          bump.send();
          expected.push_back(model.contains(id));
          if (model.contains(id)) model[id] = next_v;
          ++next_v;
          break;
        case 2: {
          const int last = id + static_cast<int>(rng() % 20);
          range.raw().bind_int64(0, id);
          range.raw().bind_int64(1, last);
          range.send();
          std::int64_t n = 0;
          for (auto it = model.lower_bound(id); it != model.end() && it->first <= last; ++it) {
            if (it->second > 0) {
              it->second = -it->second;
              ++n;
            }
          }
          expected.push_back(n);
          break;
        }
        default:
          remove.raw().bind_int64(0, id);
          remove.send();
          expected.push_back(model.erase(id));
      }
      if (rng() % 50 == 0) {
        // A read waits for what was sent, and sees it.
        EXPECT_EQ(conn().execute("SELECT COUNT(*) FROM pipe_row").scalar<std::int64_t>(),
                  static_cast<std::int64_t>(model.size()));
      }
      if (rng() % 80 == 0) {
        EXPECT_EQ(conn().sync(), expected);
        expected.clear();
      }
    }
    EXPECT_EQ(conn().sync(), expected);
    EXPECT_TRUE(conn().sync().empty());
    if (rng() % 3 == 0) {
      tx.rollback();
      model = committed;
    } else {
      tx.commit();
    }
    ASSERT_EQ(stored(), model) << "round " << round;
  }
}

// A statement that fails is raised by sync() (PostgreSQL) or by send() itself (SQLite);
// on PostgreSQL those sent after it do not run. Its transaction rolls back to what was
// there and the connection goes on working.
TEST_P(Pipeline, TheFirstFailureIsRaisedAndWhatFollowedDidNotRun) {
  conn().execute("INSERT INTO pipe_row (id, v) VALUES (1, 10), (2, 20)");
  const auto before = stored();
  auto tx = conn().begin();
  auto bump = conn().prepare("UPDATE pipe_row SET v = v + 1 WHERE id = ?");
  auto insert = conn().prepare("INSERT INTO pipe_row (id, v) VALUES (?, ?)");
  bump.raw().bind_int64(0, 1);
  bump.send();
  try {
    insert.raw().bind_int64(0, 3);
    insert.raw().bind_int64(1, 20);  // v is unique
    insert.send();
    bump.raw().bind_int64(0, 2);
    bump.send();
    (void)conn().sync();
    FAIL() << "the duplicate key was not raised";
  } catch (const rt::IntegrityError& e) {
    EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::unique);
    EXPECT_NE(std::string(e.what()).find("INSERT INTO pipe_row"), std::string::npos) << e.what();
  }
  tx.rollback();
  EXPECT_EQ(stored(), before);
  EXPECT_TRUE(conn().sync().empty());

  // Raised by the next statement run, when that comes before sync().
  auto tx2 = conn().begin();
  EXPECT_THROW(
      {
        insert.raw().bind_int64(0, 1);
        insert.raw().bind_int64(1, 5);
        insert.send();
        conn().execute("SELECT v FROM pipe_row WHERE id = 1").all();
      },
      rt::IntegrityError);
  tx2.rollback();
  EXPECT_EQ(stored(), before);
}

// A commit after a failed statement fails too: nothing is committed half done.
// A statement prepared while sent statements wait is prepared in the pipeline too. When
// an earlier one fails, that preparation never runs: the statement still works after the
// rollback, and dropping it disturbs nothing.
TEST_P(Pipeline, AStatementPreparedBehindAFailureWorksAfterTheRollback) {
  auto insert = conn().prepare("INSERT INTO pipe_row (id, v) VALUES (?, ?)");
  {
    auto tx = conn().begin();
    insert.raw().bind_int64(0, 1);
    insert.raw().bind_int64(1, 1);
    insert.send();
    insert.raw().bind_int64(0, 1);  // a duplicate key
    insert.raw().bind_int64(1, 2);
    try {
      insert.send();
      auto bump = conn().prepare("UPDATE pipe_row SET v = v + 10 WHERE id = ?");
      auto later = conn().prepare("UPDATE pipe_row SET v = v + 100 WHERE id = ?");
      bump.raw().bind_int64(0, 1);
      bump.send();
      (void)conn().sync();
      ADD_FAILURE() << "the duplicate key was not raised";
    } catch (const rt::IntegrityError&) {
    }
    tx.rollback();
  }
  // The same SQL comes back from the connection's statement cache.
  auto tx = conn().begin();
  insert.raw().bind_int64(0, 1);
  insert.raw().bind_int64(1, 1);
  insert.send();
  auto bump = conn().prepare("UPDATE pipe_row SET v = v + 10 WHERE id = ?");
  bump.raw().bind_int64(0, 1);
  bump.send();
  EXPECT_EQ(conn().sync(), (std::vector<std::int64_t>{1, 1}));
  tx.commit();
  EXPECT_EQ(stored(), (std::map<int, int>{{1, 11}}));
  auto later = conn().prepare("UPDATE pipe_row SET v = v + 100 WHERE id = ?");
  later.execute({1});
  EXPECT_EQ(stored(), (std::map<int, int>{{1, 111}}));
}

TEST_P(Pipeline, ACommitAfterAFailureFails) {
  conn().execute("INSERT INTO pipe_row (id, v) VALUES (1, 10)");
  auto tx = conn().begin();
  auto insert = conn().prepare("INSERT INTO pipe_row (id, v) VALUES (?, ?)");
  insert.raw().bind_int64(0, 2);
  insert.raw().bind_int64(1, 20);
  insert.send();
  insert.raw().bind_int64(0, 3);
  insert.raw().bind_int64(1, 10);  // v is unique
  if (postgres()) {
    insert.send();
    EXPECT_THROW(tx.commit(), rt::IntegrityError);
  } else {
    EXPECT_THROW(insert.send(), rt::IntegrityError);
    tx.rollback();
  }
  EXPECT_EQ(stored(), (std::map<int, int>{{1, 10}}));
}

// A statement dropped before its answer came (no statement cache here) keeps its error
// for whatever runs next on the connection.
TEST_P(Pipeline, AStatementDroppedWhileSentKeepsItsError) {
  auto engine = make_engine({.statement_cache_size = 0});
  auto c = engine.connect();
  c.execute("INSERT INTO pipe_row (id, v) VALUES (1, 10)");
  auto tx = c.begin();
  EXPECT_THROW(
      {
        {
          auto insert = c.prepare("INSERT INTO pipe_row (id, v) VALUES (?, ?)");
          insert.raw().bind_int64(0, 1);
          insert.raw().bind_int64(1, 11);
          insert.send();
        }
        (void)c.sync();
      },
      rt::IntegrityError);
  tx.rollback();
  EXPECT_EQ(c.execute("SELECT COUNT(*) FROM pipe_row").scalar<int>(), 1);
}

struct PipeAuthor {
  std::int64_t id{};
  std::string name{};
  static auto mapping() {
    return rt::model<PipeAuthor>("pipe_author")
        .column("id", &PipeAuthor::id, rt::primary_key)
        .column("name", &PipeAuthor::name, rt::String(40), rt::unique);
  }
};
struct PipeBook {
  std::int64_t id{};
  std::string title{};
  int copies{};
  static auto mapping() {
    return rt::model<PipeBook>("pipe_book")
        .column("id", &PipeBook::id, rt::primary_key)
        .column("title", &PipeBook::title)
        .column("copies", &PipeBook::copies);
  }
};

// A flush's updates and deletes over several tables go out together and are checked
// together: over random flushes, some of which break a unique constraint part way, the
// tables match a model of what was committed, and a failed flush leaves them as they were.
TEST_P(Pipeline, FlushesAcrossTablesMatchAModel) {
  rt::registry().add<PipeAuthor>();
  rt::registry().add<PipeBook>();
  drop_tables(conn(), {"pipe_author", "pipe_book"});
  rt::registry().metadata().create_all(conn(), {.tables = {"pipe_author", "pipe_book"}});
  std::map<std::int64_t, std::string> authors;
  std::map<std::int64_t, std::pair<std::string, int>> books;
  auto stored = [&] {
    rt::Session session(engine());
    std::map<std::int64_t, std::string> a;
    std::map<std::int64_t, std::pair<std::string, int>> b;
    for (const auto& x : session.query<PipeAuthor>().all())
      a[x->id] = x->name;
    for (const auto& x : session.query<PipeBook>().all())
      b[x->id] = {x->title, x->copies};
    return std::pair(a, b);
  };
  std::mt19937 rng(11);
  std::int64_t next_id = 1;
  int next_name = 0;
  int failures = 0;
  for (int round = 0; round < 40; ++round) {
    rt::Session session(engine());
    auto new_authors = authors;
    auto new_books = books;
    for (auto& a : session.query<PipeAuthor>().all()) {
      const auto r = rng() % 6;
      if (r == 0) {
        a->name = "n" + std::to_string(next_name++);
        new_authors[a->id] = a->name;
      } else if (r == 1) {
        session.delete_(a);
        new_authors.erase(a->id);
      }
    }
    for (auto& b : session.query<PipeBook>().all()) {
      const auto r = rng() % 5;
      if (r < 2) {
        b->copies += 1;
        b->title += "+";
        new_books[b->id] = {b->title, b->copies};
      } else if (r == 2) {
        session.delete_(b);
        new_books.erase(b->id);
      }
    }
    for (int i = static_cast<int>(rng() % 8); i > 0; --i) {
      const auto id = next_id++;
      session.add(PipeAuthor{id, "n" + std::to_string(next_name++)});
      new_authors[id] = "n" + std::to_string(next_name - 1);
      session.add(PipeBook{id, "t" + std::to_string(id), 1});
      new_books[id] = {"t" + std::to_string(id), 1};
    }
    // Now and then an author takes a name another keeps: the whole flush must fail.
    const bool clash = authors.size() >= 2 && rng() % 4 == 0;
    if (clash) {
      auto kept = session.query<PipeAuthor>().all();
      std::shuffle(kept.begin(), kept.end(), rng);
      if (kept.size() >= 2 && new_authors.contains(kept[0]->id) &&
          new_authors.contains(kept[1]->id)) {
        kept[0]->name = new_authors[kept[1]->id];
      }
    }
    try {
      session.commit();
      authors = new_authors;
      books = new_books;
    } catch (const rt::IntegrityError& e) {
      ASSERT_TRUE(clash) << e.what();
      ++failures;
    }
    ASSERT_EQ(stored(), std::pair(authors, books)) << "round " << round;
  }
  EXPECT_GT(failures, 0);
}

}  // namespace

RETORT_INSTANTIATE_FOR_BACKEND(Pipeline);

}  // namespace retort_test
