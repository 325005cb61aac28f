// Tables that give each value of an enum what goes with it -- its name, its facts -- stated once,
// as rows, with one lookup each way, instead of a switch per question.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>

namespace framepipe::detail {

/// One row of an enum table: the enumerator `key` and what goes with it.
template <class Enum, class Value>
struct EnumRow {
  Enum key;
  Value value;
};

/// What `table` gives `key`, or `fallback` when no row has it (an enum cast from a number that is
/// none of its enumerators).
template <class Enum, class Value, std::size_t N>
constexpr Value value_of(const EnumRow<Enum, Value> (&table)[N], Enum key,
                         std::type_identity_t<Value> fallback) {
  for (const EnumRow<Enum, Value>& row : table) {
    if (row.key == key) return row.value;
  }
  return fallback;
}

/// The key of the first row of `table` whose value equals `value`; none when no row's does.
template <class Enum, class Value, std::size_t N>
constexpr std::optional<Enum> key_of(const EnumRow<Enum, Value> (&table)[N],
                                     const std::type_identity_t<Value>& value) {
  for (const EnumRow<Enum, Value>& row : table) {
    if (row.value == value) return row.key;
  }
  return std::nullopt;
}

}  // namespace framepipe::detail
