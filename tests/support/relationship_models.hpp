// The relationship patterns of the seed documents, as mapped structs (tables "rel_...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "retort/orm.hpp"

namespace retort_test::rel {

namespace rt = retort;

// Counts the live objects of a type (objects that only refer to each other must still
// be freed).
template <class T>
struct Alive {
  static inline int count = 0;
  Alive() { ++count; }
  Alive(const Alive&) { ++count; }
  Alive& operator=(const Alive&) { return *this; }
  ~Alive() { --count; }
};

// One-to-many / many-to-one, with back_populates, cascade and order (blog).
struct Comment;
struct Article {
  std::int64_t id = 0;
  std::string title{};
  rt::Many<Comment> comments{};
  Alive<Article> alive{};
  static auto mapping();
};
struct Comment {
  std::int64_t id = 0;
  std::optional<std::int64_t> article_id{};
  std::string text{};
  rt::One<Article> article{};
  Alive<Comment> alive{};
  static auto mapping() {
    return rt::model<Comment>("rel_comment")
        .column("id", &Comment::id, rt::primary_key)
        .column("article_id", &Comment::article_id, rt::ForeignKey("rel_article.id"))
        .column("text", &Comment::text, rt::String(100))
        .relationship("article", &Comment::article, rt::back_populates("comments"));
  }
};
inline auto Article::mapping() {
  return rt::model<Article>("rel_article")
      .column("id", &Article::id, rt::primary_key)
      .column("title", &Article::title, rt::String(100))
      .relationship("comments", &Article::comments, rt::back_populates("article"),
                    rt::cascade::all_delete_orphan, rt::order_by(&Comment::id));
}

// Many-to-one (tutorial: tires and cars); the car sees its tires through a view-only
// collection.
struct Tire;
struct Car {
  std::int64_t id = 0;
  std::string model{};
  rt::Many<Tire> tires{};
  static auto mapping();
};
struct Tire {
  std::int64_t id = 0;
  std::optional<std::int64_t> car_id{};
  rt::One<Car> car{};
  static auto mapping() {
    return rt::model<Tire>("rel_tire")
        .column("id", &Tire::id, rt::primary_key)
        .column("car_id", &Tire::car_id, rt::ForeignKey("rel_car.id"))
        .relationship("car", &Tire::car);
  }
};
inline auto Car::mapping() {
  return rt::model<Car>("rel_car")
      .column("id", &Car::id, rt::primary_key)
      .column("model", &Car::model, rt::String(40))
      .relationship("tires", &Car::tires, rt::viewonly, rt::order_by(&Tire::id, true));
}

// One-to-one (uselist=false on both sides).
struct MobilePhone;
struct Person {
  std::int64_t id = 0;
  std::string name{};
  rt::One<MobilePhone> mobile_phone{};
  static auto mapping();
};
struct MobilePhone {
  std::int64_t id = 0;
  std::string number{};
  std::optional<std::int64_t> person_id{};
  rt::One<Person> person{};
  static auto mapping() {
    return rt::model<MobilePhone>("rel_mobile_phone")
        .column("id", &MobilePhone::id, rt::primary_key)
        .column("number", &MobilePhone::number, rt::String(20))
        .column("person_id", &MobilePhone::person_id, rt::ForeignKey("rel_person.id"), rt::unique)
        .relationship("person", &MobilePhone::person, rt::back_populates("mobile_phone"));
  }
};
inline auto Person::mapping() {
  return rt::model<Person>("rel_person")
      .column("id", &Person::id, rt::primary_key)
      .column("name", &Person::name, rt::String(40))
      .relationship("mobile_phone", &Person::mobile_phone, rt::back_populates("person"));
}

// The tutorial's movies, actors, stuntmen and contact details.
inline const rt::Table& movies_actors() {
  static const rt::Table table(
      "rel_movies_actors", {rt::Column("movie_id", rt::Integer(), rt::ForeignKey("rel_movie.id")),
                            rt::Column("actor_id", rt::Integer(), rt::ForeignKey("rel_actor.id")),
                            rt::PrimaryKeyConstraint({"movie_id", "actor_id"})});
  return table;
}
struct Actor;
struct Stuntman;
struct ContactDetails;
struct Movie {
  std::int64_t id = 0;
  std::string title{};
  std::optional<std::chrono::year_month_day> release_date{};
  rt::Many<Actor> actors{};
  static auto mapping();
};
struct Actor {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::chrono::year_month_day> birthday{};
  rt::Many<Movie> movies{};
  rt::One<Stuntman> stuntman{};
  rt::Many<ContactDetails> contact_details{};
  static auto mapping();
};
struct Stuntman {
  std::int64_t id = 0;
  std::string name{};
  bool active = true;
  std::optional<std::int64_t> actor_id{};
  rt::One<Actor> actor{};
  static auto mapping() {
    return rt::model<Stuntman>("rel_stuntman")
        .column("id", &Stuntman::id, rt::primary_key)
        .column("name", &Stuntman::name, rt::String(40))
        .column("active", &Stuntman::active)
        .column("actor_id", &Stuntman::actor_id, rt::ForeignKey("rel_actor.id"), rt::unique)
        .relationship("actor", &Stuntman::actor, rt::back_populates("stuntman"));
  }
};
struct ContactDetails {
  std::int64_t id = 0;
  std::string phone_number{};
  std::string address{};
  std::optional<std::int64_t> actor_id{};
  rt::One<Actor> actor{};
  static auto mapping() {
    return rt::model<ContactDetails>("rel_contact_details")
        .column("id", &ContactDetails::id, rt::primary_key)
        .column("phone_number", &ContactDetails::phone_number, rt::String(20))
        .column("address", &ContactDetails::address, rt::String(100))
        .column("actor_id", &ContactDetails::actor_id, rt::ForeignKey("rel_actor.id"))
        .relationship("actor", &ContactDetails::actor, rt::back_populates("contact_details"));
  }
};
inline auto Movie::mapping() {
  return rt::model<Movie>("rel_movie")
      .column("id", &Movie::id, rt::primary_key)
      .column("title", &Movie::title, rt::String(80))
      .column("release_date", &Movie::release_date)
      .relationship("actors", &Movie::actors, rt::secondary(movies_actors()),
                    rt::back_populates("movies"), rt::order_by(&Actor::name));
}
inline auto Actor::mapping() {
  return rt::model<Actor>("rel_actor")
      .column("id", &Actor::id, rt::primary_key)
      .column("name", &Actor::name, rt::String(80))
      .column("birthday", &Actor::birthday)
      .relationship("movies", &Actor::movies, rt::secondary(movies_actors()),
                    rt::back_populates("actors"))
      .relationship("stuntman", &Actor::stuntman, rt::back_populates("actor"))
      .relationship("contact_details", &Actor::contact_details, rt::back_populates("actor"),
                    rt::cascade::all_delete_orphan);
}

// Self-referential adjacency list.
struct Task {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::int64_t> parent_id{};
  rt::One<Task> parent{};
  rt::Many<Task> children{};
  static auto mapping() {
    return rt::model<Task>("rel_task")
        .column("id", &Task::id, rt::primary_key)
        .column("name", &Task::name, rt::String(40))
        .column("parent_id", &Task::parent_id, rt::ForeignKey("rel_task.id"))
        .relationship("parent", &Task::parent, rt::remote_side(&Task::id),
                      rt::back_populates("children"))
        .relationship("children", &Task::children, rt::back_populates("parent"), rt::cascade::all,
                      rt::order_by(&Task::id));
  }
};

// Self-referential many-to-many: followers and followed.
inline const rt::Table& followers_table() {
  static const rt::Table table(
      "rel_followers", {rt::Column("follower_id", rt::Integer(), rt::ForeignKey("rel_member.id")),
                        rt::Column("followed_id", rt::Integer(), rt::ForeignKey("rel_member.id")),
                        rt::PrimaryKeyConstraint({"follower_id", "followed_id"})});
  return table;
}
struct Member {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Member> followed{};
  rt::Many<Member> followers{};
  static auto mapping() {
    return rt::model<Member>("rel_member")
        .column("id", &Member::id, rt::primary_key)
        .column("name", &Member::name, rt::String(40))
        .relationship("followed", &Member::followed,
                      rt::secondary(followers_table(), "follower_id", "followed_id"),
                      rt::back_populates("followers"))
        .relationship("followers", &Member::followers,
                      rt::secondary(followers_table(), "followed_id", "follower_id"),
                      rt::back_populates("followed"));
  }
};

// The social-platform seed: tokens and media refer to users without foreign keys.
struct AuthToken;
struct MediaItem;
struct SocialUser {
  rt::Uuid uuid = rt::Uuid::random();
  std::string login{};
  rt::Many<AuthToken> tokens{};
  static auto mapping();
};
struct AuthToken {
  rt::Uuid uuid = rt::Uuid::random();
  std::string data{};
  std::optional<rt::Uuid> owner_id{};
  rt::One<SocialUser> owner{};
  static auto mapping() {
    return rt::model<AuthToken>("rel_auth_token")
        .column("uuid", &AuthToken::uuid, rt::primary_key)
        .column("data", &AuthToken::data, rt::String(64))
        .column("owner_id", &AuthToken::owner_id)
        .relationship("owner", &AuthToken::owner,
                      rt::join_on(&AuthToken::owner_id, &SocialUser::uuid),
                      rt::back_populates("tokens"));
  }
};
struct MediaItem {
  rt::Uuid uuid = rt::Uuid::random();
  std::optional<rt::Uuid> author_id{};
  std::string url{};
  rt::One<SocialUser> author{};
  static auto mapping() {
    return rt::model<MediaItem>("rel_media")
        .column("uuid", &MediaItem::uuid, rt::primary_key)
        .column("author_id", &MediaItem::author_id)
        .column("url", &MediaItem::url, rt::String(256))
        .relationship("author", &MediaItem::author,
                      rt::join_on(&MediaItem::author_id, &SocialUser::uuid));
  }
};
inline auto SocialUser::mapping() {
  return rt::model<SocialUser>("rel_social_user")
      .column("uuid", &SocialUser::uuid, rt::primary_key)
      .column("login", &SocialUser::login, rt::String(64))
      .relationship("tokens", &SocialUser::tokens,
                    rt::join_on(&SocialUser::uuid, &AuthToken::owner_id),
                    rt::back_populates("owner"), rt::cascade::all_delete_orphan);
}

// Rows that refer to each other: a post_update breaks the cycle.
struct Gallery;
struct Picture {
  std::int64_t id = 0;
  std::int64_t gallery_id = 0;
  rt::One<Gallery> gallery{};
  static auto mapping();
};
struct Gallery {
  std::int64_t id = 0;
  std::optional<std::int64_t> cover_id{};
  rt::One<Picture> cover{};
  static auto mapping() {
    return rt::model<Gallery>("rel_gallery")
        .column("id", &Gallery::id, rt::primary_key)
        .column("cover_id", &Gallery::cover_id,
                rt::ForeignKey("rel_picture.id", {.name = "fk_gallery_cover", .use_alter = true}))
        .relationship("cover", &Gallery::cover, rt::join_on(&Gallery::cover_id, &Picture::id),
                      rt::post_update);
  }
};
inline auto Picture::mapping() {
  return rt::model<Picture>("rel_picture")
      .column("id", &Picture::id, rt::primary_key)
      .column("gallery_id", &Picture::gallery_id, rt::ForeignKey("rel_gallery.id"))
      .relationship("gallery", &Picture::gallery, rt::join_on(&Picture::gallery_id, &Gallery::id));
}

// Parents with many children, for counting statements.
struct Leaf;
struct Branch {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Leaf> leaves{};
  Alive<Branch> alive{};
  static auto mapping();
};
struct Leaf {
  std::int64_t id = 0;
  std::int64_t branch_id = 0;
  int n = 0;
  static auto mapping() {
    return rt::model<Leaf>("rel_leaf")
        .column("id", &Leaf::id, rt::primary_key)
        .column("branch_id", &Leaf::branch_id,
                rt::ForeignKey("rel_branch.id", {.ondelete = "CASCADE"}))
        .column("n", &Leaf::n);
  }
};
inline auto Branch::mapping() {
  return rt::model<Branch>("rel_branch")
      .column("id", &Branch::id, rt::primary_key)
      .column("name", &Branch::name, rt::String(40))
      .relationship("leaves", &Branch::leaves, rt::order_by(&Leaf::id), rt::cascade::all,
                    rt::passive_deletes);
}

// backref: one side maps both (SQLAlchemy's backref=). The class declared first does not
// mention the relationship, so both mappings live inside their structs.
struct Writer;
struct Book {
  std::int64_t id = 0;
  std::optional<std::int64_t> writer_id{};
  std::string title{};
  rt::One<Writer> writer{};
  static auto mapping() {
    return rt::model<Book>("rel_book")
        .column("id", &Book::id, rt::primary_key)
        .column("writer_id", &Book::writer_id, rt::ForeignKey("rel_writer.id"))
        .column("title", &Book::title, rt::String(100));
  }
};
struct Writer {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Book> books{};
  static auto mapping() {
    return rt::model<Writer>("rel_writer")
        .column("id", &Writer::id, rt::primary_key)
        .column("name", &Writer::name, rt::String(100))
        .relationship("books", &Writer::books, rt::backref("writer", &Book::writer),
                      rt::order_by(&Book::id));
  }
};

// A many-to-many backref: the other side uses the same association table.
inline const rt::Table& enrolment_table() {
  static const rt::Table table(
      "rel_enrolment", {rt::Column("course_id", rt::Integer(), rt::ForeignKey("rel_course.id")),
                        rt::Column("student_id", rt::Integer(), rt::ForeignKey("rel_student.id")),
                        rt::PrimaryKeyConstraint({"course_id", "student_id"})});
  return table;
}
struct Student;
struct Course {
  std::int64_t id = 0;
  std::string title{};
  rt::Many<Student> students{};
  static auto mapping() {
    return rt::model<Course>("rel_course")
        .column("id", &Course::id, rt::primary_key)
        .column("title", &Course::title, rt::String(100));
  }
};
struct Student {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Course> courses{};
  static auto mapping() {
    return rt::model<Student>("rel_student")
        .column("id", &Student::id, rt::primary_key)
        .column("name", &Student::name, rt::String(100))
        .relationship("courses", &Student::courses, rt::secondary(enrolment_table()),
                      rt::order_by(&Course::id),
                      rt::backref("students", &Course::students, rt::order_by(&Student::id)));
  }
};

inline void register_all() {
  rt::registry()
      .add<Article, Comment, Car, Tire, Person, MobilePhone, Movie, Actor, Stuntman,
           ContactDetails>();
  rt::registry()
      .add<Task, Member, SocialUser, AuthToken, MediaItem, Gallery, Picture, Branch, Leaf>();
  rt::registry().add<Writer, Student>();
  auto& md = rt::registry().metadata();
  if (!md.find("rel_movies_actors")) md.add(movies_actors());
  if (!md.find("rel_followers")) md.add(followers_table());
}

inline const std::vector<std::string>& tables() {
  static const std::vector<std::string> names = {"rel_article",
                                                 "rel_comment",
                                                 "rel_car",
                                                 "rel_tire",
                                                 "rel_person",
                                                 "rel_mobile_phone",
                                                 "rel_movie",
                                                 "rel_actor",
                                                 "rel_movies_actors",
                                                 "rel_stuntman",
                                                 "rel_contact_details",
                                                 "rel_task",
                                                 "rel_member",
                                                 "rel_followers",
                                                 "rel_social_user",
                                                 "rel_auth_token",
                                                 "rel_media",
                                                 "rel_gallery",
                                                 "rel_picture",
                                                 "rel_branch",
                                                 "rel_leaf",
                                                 "rel_writer",
                                                 "rel_book",
                                                 "rel_course",
                                                 "rel_student",
                                                 "rel_enrolment"};
  return names;
}

}  // namespace retort_test::rel
