// Two types of the application stored as built-in ones with rt::TypeDecorator: Money as
// integer cents (no binary fractions of a cent), an IPv4 address as its dotted text. The
// ORM maps them, tracks their changes and compares them in queries as it does ints.
//
//   retort-custom-types [URL]      (default sqlite://, in memory)
#include <array>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <string>

#include "retort/orm.hpp"

namespace rt = retort;

struct Money {
  std::int64_t cents = 0;
  friend auto operator<=>(const Money&, const Money&) = default;
};

std::ostream& operator<<(std::ostream& out, Money m) {
  const std::int64_t whole = m.cents / 100, part = m.cents % 100;
  return out << (m.cents < 0 && whole == 0 ? "-" : "") << whole << "."
             << (part < 0 ? -part : part) / 10 << (part < 0 ? -part : part) % 10;
}

struct Ipv4 {
  std::array<std::uint8_t, 4> octets{};
  friend bool operator==(const Ipv4&, const Ipv4&) = default;

  static Ipv4 parse(std::string_view text) {
    Ipv4 out;
    const char *p = text.data(), *end = p + text.size();
    for (std::size_t i = 0; i < 4; ++i) {
      unsigned part = 0;
      auto [next, ec] = std::from_chars(p, end, part);
      const bool dot_follows = i == 3 ? next == end : next != end && *next == '.';
      if (ec != std::errc() || part > 255 || next - p > 3 || !dot_follows)
        throw rt::DataError("'" + std::string(text) + "' is not an IPv4 address");
      out.octets[i] = static_cast<std::uint8_t>(part);
      p = next + (i < 3 ? 1 : 0);
    }
    return out;
  }
  std::string str() const {
    return std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." +
           std::to_string(octets[2]) + "." + std::to_string(octets[3]);
  }
};

// How each is stored: which built-in type, and the conversion both ways.
template <>
struct rt::TypeDecorator<Money> {
  using impl = std::int64_t;
  static std::int64_t process_bind_param(const Money& m) { return m.cents; }
  static Money process_result_value(std::int64_t cents) { return Money{cents}; }
};

template <>
struct rt::TypeDecorator<Ipv4> {
  using impl = std::string;
  static rt::Type column_type() { return rt::String(15); }
  static std::string process_bind_param(const Ipv4& a) { return a.str(); }
  static Ipv4 process_result_value(const std::string& text) { return Ipv4::parse(text); }
};

struct Account {
  std::int64_t id = 0;
  std::string owner{};
  Money balance{};
  Ipv4 last_login_from{};
  static auto mapping() {
    return rt::model<Account>("account")
        .column("id", &Account::id, rt::primary_key)
        .column("owner", &Account::owner, rt::String(40))
        .column("balance", &Account::balance)
        .column("last_login_from", &Account::last_login_from);
  }
};

int main(int argc, char** argv) {
  try {
    auto engine = rt::create_engine(argc > 1 ? argv[1] : "sqlite://");
    rt::registry().add<Account>();
    {
      auto conn = engine.connect();
      rt::registry().metadata().drop_all(conn);
      rt::registry().metadata().create_all(conn);
    }

    rt::Session session(engine);
    session.add(rt::make_ref(Account{
        .owner = "ann", .balance = {1999}, .last_login_from = Ipv4::parse("192.168.1.20")}));
    session.add(rt::make_ref(
        Account{.owner = "bob", .balance = {250}, .last_login_from = Ipv4::parse("10.0.0.7")}));
    session.add(rt::make_ref(
        Account{.owner = "cid", .balance = {-75}, .last_login_from = Ipv4::parse("10.0.0.7")}));
    session.commit();

    // A payment: the change is seen and written like any other column's.
    auto bob = session.query<Account>().where(rt::c(&Account::owner) == "bob").one();
    bob->balance.cents += 1000;
    session.commit();

    std::cout << "accounts with at least 10.00:\n";
    for (const auto& a : session.query<Account>()
                             .where(rt::c(&Account::balance) >= Money{1000})
                             .order_by(rt::c(&Account::owner))
                             .all())
      std::cout << "  " << a->owner << " " << a->balance << "\n";
    std::cout << "logins from 10.0.0.7: "
              << session.query<Account>()
                     .where(rt::c(&Account::last_login_from) == Ipv4::parse("10.0.0.7"))
                     .count()
              << "\n";

    // Core sees the stored form; Row::get<Money> converts back.
    auto conn = engine.connect();
    std::cout
        << "stored: "
        << conn.execute("SELECT balance FROM account WHERE owner = 'cid'").scalar<std::int64_t>()
        << " cents; total " << conn.execute("SELECT sum(balance) FROM account").scalar<Money>()
        << "\n";
  } catch (const rt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
