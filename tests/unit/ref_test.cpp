// rt::Ref and rt::One without an object: access raises instead of crashing; a Ref to a
// base class that does not begin the object is refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Owner;
struct Pet {
  std::int64_t id = 0;
  std::string name{};
  rt::One<Owner> owner{};
};
struct Owner {
  std::int64_t id = 0;
  std::string name{};
};

TEST(Ref, AccessThroughANullRefRaises) {
  rt::Ref<Pet> none;
  const rt::Ref<Pet> const_none;
  EXPECT_THROW((void)none->name, rt::ObjectStateError);
  EXPECT_THROW((void)(*none).name, rt::ObjectStateError);
  EXPECT_THROW((void)const_none->name, rt::ObjectStateError);
  EXPECT_THROW((void)(*const_none).name, rt::ObjectStateError);
  EXPECT_EQ(none.get(), nullptr);  // get() is a pointer, as std::shared_ptr's
  try {
    (void)none->id;
    ADD_FAILURE() << "no exception";
  } catch (const rt::ObjectStateError& e) {
    EXPECT_NE(std::string(e.what()).find("null rt::Ref"), std::string::npos) << e.what();
  }

  rt::Ref<Pet> rex = rt::make_ref(Pet{.name = "Rex"});
  EXPECT_EQ(rex->name, "Rex");
  EXPECT_THROW((void)rex->owner->name, rt::ObjectStateError);  // an empty rt::One
  rex->owner = rt::make_ref(Owner{.name = "Ada"});
  EXPECT_EQ(rex->owner->name, "Ada");
  rex = nullptr;
  EXPECT_THROW(rex->name = "x", rt::ObjectStateError);
}

struct Label {
  std::string text{"label"};
};
struct Counter {
  std::int64_t n = 0;
};
struct Both : Label, Counter {
  int extra = 0;
};

TEST(Ref, ARefIsOnePointerAndItsBaseMustBeginTheObject) {
  static_assert(sizeof(rt::Ref<Pet>) == sizeof(void*));
  rt::Ref<Both> both = rt::make_ref<Both>();
  both->n = 5;
  const rt::Ref<Label> label = both;  // the first base begins the object
  EXPECT_EQ(label->text, "label");
  EXPECT_EQ(label.state(), both.state());
  // The second base sits behind the first: a Ref to it would reach the wrong bytes.
  EXPECT_THROW(rt::Ref<Counter>{both}, rt::MappingError);
  EXPECT_EQ(both.state()->refs, 2) << "the refused conversion took no reference";
}

}  // namespace
}  // namespace retort_test
