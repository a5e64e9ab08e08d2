// How a query loads relationships, overriding the mapping's defaults:
//
//   session.query<User>().options(rt::selectin(&User::posts).then(&Post::comments))
//   session.query<User>().options(rt::joined(&User::profile), rt::raiseload(&User::tokens))
//
//   selectin    one extra SELECT ... WHERE key IN (...) per level for all loaded objects
//   joined      a LEFT OUTER JOIN in the query itself; collections are folded, each object
//               comes back once
//   lazyload    on first access, one SELECT per object
//   raiseload   access before loading raises rt::ObjectStateError naming the relationship
//   noload      never loads: the handle stays empty
#pragma once

#include <vector>

#include "retort/orm/relationship.hpp"

namespace retort {

class LoadOption {
 public:
  using Steps = std::vector<std::pair<orm::MemberRef, orm::Loading>>;
  // Out of line (loading.cpp), as the copies: a query file need not compile them.
  LoadOption(orm::Loading strategy, orm::MemberRef member);
  explicit LoadOption(Steps steps);
  LoadOption(const LoadOption& other);
  LoadOption(LoadOption&& other) noexcept;
  LoadOption& operator=(const LoadOption& other);
  LoadOption& operator=(LoadOption&& other) noexcept;
  ~LoadOption();

  // Then, on the objects that relationship loads, this one (same strategy by default).
  template <class O, class H>
  LoadOption then(H O::*member) const {
    return then(orm::MemberRef::of(member), steps_.back().second);
  }
  template <class O, class H>
  LoadOption then(H O::*member, orm::Loading strategy) const {
    return then(orm::MemberRef::of(member), strategy);
  }
  LoadOption then(orm::MemberRef member, orm::Loading strategy) const;

  const Steps& steps() const { return steps_; }

 private:
  Steps steps_;
};

template <class O, class H>
LoadOption selectin(H O::*member) {
  return LoadOption(orm::Loading::selectin, orm::MemberRef::of(member));
}
template <class O, class H>
LoadOption joined(H O::*member) {
  return LoadOption(orm::Loading::joined, orm::MemberRef::of(member));
}
template <class O, class H>
LoadOption lazyload(H O::*member) {
  return LoadOption(orm::Loading::lazy, orm::MemberRef::of(member));
}
template <class O, class H>
LoadOption raiseload(H O::*member) {
  return LoadOption(orm::Loading::raise, orm::MemberRef::of(member));
}
template <class O, class H>
LoadOption noload(H O::*member) {
  return LoadOption(orm::Loading::noload, orm::MemberRef::of(member));
}

}  // namespace retort
