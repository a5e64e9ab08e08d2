// rt::backref: the other side is mapped whichever class is registered first, unless it is
// in use already; conflicts with what the other class maps are refused.
#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include "relationship_models.hpp"
#include "retort/core/error.hpp"
#include "retort/orm.hpp"

namespace {

namespace rt = retort;
using retort_test::rel::Book;
using retort_test::rel::Course;
using retort_test::rel::Student;
using retort_test::rel::Writer;

// Writer.books and Book.writer point at each other, whatever the order of registration.
void expect_paired(rt::Registry& registry) {
  const auto* books = registry.mapper<Writer>().relationship("books");
  const auto* writer = registry.mapper<Book>().relationship("writer");
  ASSERT_TRUE(books && writer);
  EXPECT_EQ(books->reverse, writer);
  EXPECT_EQ(writer->reverse, books);
  EXPECT_FALSE(writer->uselist);
  EXPECT_EQ(writer->direction, rt::orm::Direction::many_to_one);
}

TEST(Backref, TheOtherSideIsMappedWhicheverClassIsRegisteredFirst) {
  rt::Registry declaring_first;
  declaring_first.add<Writer>();
  expect_paired(declaring_first);

  rt::Registry other_first;
  other_first.add<Book>();
  other_first.add<Writer>();
  expect_paired(other_first);

  rt::Registry many_to_many;
  many_to_many.add<Student>();
  const auto* students = many_to_many.mapper<Course>().relationship("students");
  ASSERT_TRUE(students);
  EXPECT_EQ(students->direction, rt::orm::Direction::many_to_many);
  EXPECT_EQ(students->secondary_local.front().second, "course_id")
      << "the association table's columns the other way round";
  EXPECT_EQ(students->reverse, many_to_many.mapper<Student>().relationship("courses"));
}

TEST(Backref, AClassInUseCannotGainOne) {
  rt::Registry registry;
  (void)registry.mapper<Book>();  // resolved: a session could hold Books now
  try {
    registry.add<Writer>();
    ADD_FAILURE() << "added a relationship to a class in use";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("in use already: register"), std::string::npos)
        << e.what();
  }
}

// Registration from many threads at once, in any order: each registry ends up with one
// pair.
TEST(Backref, ConcurrentRegistration) {
  for (int round = 0; round < 50; ++round) {
    rt::Registry registry;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        if ((t + round) % 2)
          registry.add<Writer>();
        else
          registry.add<Book>();
      });
    }
    for (auto& t : threads)
      t.join();
    registry.add<Writer>();
    expect_paired(registry);
    int writers = 0;
    for (const auto& r : registry.mapper<Book>().relationships())
      writers += r->name == "writer";
    EXPECT_EQ(writers, 1);
  }
}

// A tree: the backref's side is on the declaring class itself.
struct Folder {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id{};
  rt::Many<Folder> children{};
  rt::One<Folder> parent{};
  static auto mapping() {
    return rt::model<Folder>("bk_folder")
        .column("id", &Folder::id, rt::primary_key)
        .column("parent_id", &Folder::parent_id, rt::ForeignKey("bk_folder.id"))
        .relationship("children", &Folder::children, rt::backref("parent", &Folder::parent));
  }
};

TEST(Backref, SelfReferential) {
  rt::Registry registry;
  const auto& folder = registry.mapper<Folder>();
  const auto* children = folder.relationship("children");
  const auto* parent = folder.relationship("parent");
  ASSERT_TRUE(children && parent);
  EXPECT_EQ(children->direction, rt::orm::Direction::one_to_many);
  EXPECT_EQ(parent->direction, rt::orm::Direction::many_to_one);
  EXPECT_EQ(children->reverse, parent);
  EXPECT_EQ(parent->reverse, children);
}

// A backref names a member that the other class maps already.
struct Owner;
struct Pet {
  std::int64_t id = 0;
  std::int64_t owner_id = 0;
  rt::One<Owner> owner{};
  static auto mapping() {
    return rt::model<Pet>("bk_pet")
        .column("id", &Pet::id, rt::primary_key)
        .column("owner_id", &Pet::owner_id, rt::ForeignKey("bk_owner.id"))
        .relationship("owner", &Pet::owner);
  }
};
struct Owner {
  std::int64_t id = 0;
  rt::Many<Pet> pets{};
  static auto mapping() {
    return rt::model<Owner>("bk_owner")
        .column("id", &Owner::id, rt::primary_key)
        .relationship("pets", &Owner::pets, rt::backref("owner", &Pet::owner));
  }
};

TEST(Backref, ConflictsAreRefused) {
  rt::Registry registry;
  try {
    registry.add<Owner>();
    ADD_FAILURE() << "mapped Pet.owner twice";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("already maps 'owner'"), std::string::npos) << e.what();
  }
  try {
    (void)rt::model<Owner>("bk_owner2")
        .column("id", &Owner::id, rt::primary_key)
        .relationship("pets", &Owner::pets, rt::backref("owner", &Pet::owner),
                      rt::back_populates("owner"));
    ADD_FAILURE() << "took backref and back_populates together";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("mutually exclusive"), std::string::npos) << e.what();
  }
}

}  // namespace
