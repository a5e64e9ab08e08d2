// rt::Ref and rt::One without an object: access raises instead of crashing.
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

}  // namespace
}  // namespace retort_test
