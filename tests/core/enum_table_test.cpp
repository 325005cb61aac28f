// core/enum_table.hpp: one row per enumerator, looked up by key (with a fallback for a number
// that is no enumerator) and by value.
#include "framepipe/core/enum_table.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string_view>

namespace {

enum class Fruit { Apple, Pear, Plum };

constexpr framepipe::detail::EnumRow<Fruit, std::string_view> kFruitNames[] = {
    {Fruit::Apple, "apple"},
    {Fruit::Pear, "pear"},
    {Fruit::Plum, "plum"},
};

}  // namespace

TEST_CASE("value_of: the row of the key, else the fallback") {
  using framepipe::detail::value_of;
  CHECK(value_of(kFruitNames, Fruit::Apple, "?") == "apple");
  CHECK(value_of(kFruitNames, Fruit::Plum, "?") == "plum");
  CHECK(value_of(kFruitNames, static_cast<Fruit>(7), "?") == "?");
  static_assert(value_of(kFruitNames, Fruit::Pear, "?") == "pear", "usable at compile time");
}

TEST_CASE("key_of: the first row whose value matches, else none") {
  using framepipe::detail::key_of;
  CHECK(key_of(kFruitNames, "pear") == std::optional<Fruit>(Fruit::Pear));
  CHECK(key_of(kFruitNames, "plum") == std::optional<Fruit>(Fruit::Plum));
  CHECK_FALSE(key_of(kFruitNames, "Pear").has_value());
  CHECK_FALSE(key_of(kFruitNames, "").has_value());
  static_assert(*key_of(kFruitNames, "apple") == Fruit::Apple, "usable at compile time");
}
