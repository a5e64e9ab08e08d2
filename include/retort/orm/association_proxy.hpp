// A collection of association objects seen as the objects at their far end (SQLAlchemy's
// association_proxy). The association object is a model of its own: a link table with
// columns of its own and a many-to-one to each side.
//
//   struct Follow {                       // follow(follower_id, followed_id, created_at)
//     std::int64_t follower_id = 0, followed_id = 0;
//     std::int64_t created_at = 0;
//     rt::One<User> follower, followed;
//   };
//   struct User {
//     std::int64_t id = 0;
//     rt::Many<Follow> following;         // the Follow rows whose follower is this user
//     auto followed_users();
//   };
//   inline auto User::followed_users() {  // once Follow is complete
//     return rt::association_proxy(following, &Follow::followed);
//   }
//
//   for (const rt::Ref<User>& u : alice->followed_users()) ...   // the far side
//   alice->followed_users().push_back(bob);   // adds Follow{.followed = bob} to following
//   alice->followed_users().remove(bob);      // takes that Follow out of following
//   alice->following[0]->created_at;          // the association's own columns
//
// push_back makes the association object with a creator: by default a value-initialized
// Link whose far member is set, or the function given (to fill its other columns):
//
//   rt::association_proxy(following, &Follow::followed, [](const rt::Ref<User>& u) {
//     return Follow{.created_at = now(), .followed = u};
//   });
//
// The proxy holds a reference to the collection: make it where it is used, from the
// object's member (it is cheap), rather than keeping it.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <vector>

#include "retort/orm/relationship.hpp"

namespace retort {

template <class Link, class Far>
class AssociationProxy {
 public:
  using value_type = Ref<Far>;
  using Creator = std::function<Link(const Ref<Far>&)>;

  AssociationProxy(Many<Link>& links, One<Far> Link::*far, Creator creator = {})
      : links_(&links), far_(far), creator_(std::move(creator)) {}

  // Walks the association objects, giving each one's far object.
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Ref<Far>;
    using difference_type = std::ptrdiff_t;
    using reference = const Ref<Far>&;
    using pointer = const Ref<Far>*;
    iterator() = default;
    iterator(typename std::vector<Ref<Link>>::const_iterator it, One<Far> Link::*far)
        : it_(it), far_(far) {}
    const Ref<Far>& operator*() const { return ((**it_).*far_).get(); }
    const Ref<Far>* operator->() const { return &**this; }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++it_;
      return before;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.it_ == b.it_; }

   private:
    typename std::vector<Ref<Link>>::const_iterator it_{};
    One<Far> Link::*far_ = nullptr;
  };

  iterator begin() const { return iterator(links_->items().begin(), far_); }
  iterator end() const { return iterator(links_->items().end(), far_); }
  std::size_t size() const { return links_->size(); }
  bool empty() const { return links_->empty(); }
  const Ref<Far>& operator[](std::size_t i) const { return ((*(*links_)[i]).*far_).get(); }
  std::vector<Ref<Far>> items() const { return {begin(), end()}; }
  bool contains(const Ref<Far>& target) const { return static_cast<bool>(link_to(target)); }
  // The association object that leads to `target`, or a null Ref.
  Ref<Link> link_to(const Ref<Far>& target) const {
    for (const auto& link : links_->items()) {
      if (((*link).*far_).get() == target) return link;
    }
    return Ref<Link>();
  }

  // A new association object leading to `target`, added to the collection (its other
  // side, with back_populates, becomes the owner). A null Ref is left out, as push_back
  // leaves it out.
  void push_back(const Ref<Far>& target) {
    if (!target) return;
    Ref<Link> link;
    if (creator_) {
      link = make_ref(creator_(target));
    } else {
      link = make_ref(Link{});
      (*link).*far_ = target;
    }
    links_->push_back(std::move(link));
  }
  // Takes out the association object leading to `target` (the first, if several do); under
  // delete-orphan the flush deletes it.
  void remove(const Ref<Far>& target) {
    if (Ref<Link> link = link_to(target)) links_->remove(link);
  }
  void clear() { links_->clear(); }

 private:
  Many<Link>* links_;
  One<Far> Link::*far_;
  Creator creator_;
};

template <class Link, class Far>
AssociationProxy<Link, Far> association_proxy(
    Many<Link>& links, One<Far> Link::*far,
    typename AssociationProxy<Link, Far>::Creator creator = {}) {
  return AssociationProxy<Link, Far>(links, far, std::move(creator));
}

}  // namespace retort
