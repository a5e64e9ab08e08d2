// rt::TypeDecorator<M>: an application type stored as a type the database already knows,
// in two functions (SQLAlchemy's TypeDecorator). Specialise it:
//
//   struct Money { std::int64_t cents; };
//
//   template <> struct rt::TypeDecorator<Money> {
//     using impl = std::int64_t;  // what the database stores
//     static std::int64_t process_bind_param(const Money& m) { return m.cents; }
//     static Money process_result_value(std::int64_t cents) { return Money{cents}; }
//   };
//
// Money then goes wherever its impl goes: into rt::Value, bound parameters,
// Row::get<Money>(), typed expressions (rt::c(&Account::balance) > Money{500}), ORM
// members of type Money or std::optional<Money>, and the Session's change tracking. An ORM
// column takes the impl's default type unless the specialisation also has
// `static rt::Type column_type()` (rt::String(15) for an IPv4 address stored as text).
//
// process_result_value may refuse what it reads by throwing (rt::DataError for text that
// is not an address): the read fails with that error rather than inventing a value.
#pragma once

namespace retort {

template <class M>
struct TypeDecorator;  // a plain type unless specialised

template <class M>
concept decorated = requires {
  typename TypeDecorator<M>::impl;
};

}  // namespace retort
