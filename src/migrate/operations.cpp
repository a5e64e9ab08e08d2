#include "retort/migrate/operations.hpp"

namespace retort::migrate {

std::string describe(const Operation& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, CreateTable>)
          return "create_table " + o.table.fullname();
        else if constexpr (std::is_same_v<O, DropTable>)
          return "drop_table " + o.table;
        else if constexpr (std::is_same_v<O, RenameTable>)
          return "rename_table " + o.table + " to " + o.new_name;
        else if constexpr (std::is_same_v<O, AddColumn>)
          return "add_column " + o.table + "." + o.column.name;
        else if constexpr (std::is_same_v<O, DropColumn>)
          return "drop_column " + o.table + "." + o.column;
        else if constexpr (std::is_same_v<O, AlterColumn>)
          return "alter_column " + o.table + "." + o.column;
        else if constexpr (std::is_same_v<O, CreateIndex>)
          return "create_index " +
                 (o.index.name.empty() ? std::string("(unnamed)") : o.index.name) + " on " +
                 o.table;
        else if constexpr (std::is_same_v<O, DropIndex>)
          return "drop_index " + o.name + " on " + o.table;
        else if constexpr (std::is_same_v<O, AddConstraint>)
          return "add_constraint on " + o.table;
        else if constexpr (std::is_same_v<O, DropConstraint>)
          return "drop_constraint " + o.name + " on " + o.table;
        else if constexpr (std::is_same_v<O, CreateEnum>)
          return "create_enum " + o.name;
        else if constexpr (std::is_same_v<O, DropEnum>)
          return "drop_enum " + o.name;
        else if constexpr (std::is_same_v<O, Execute>)
          return "execute" + (o.dialect.empty() ? std::string() : " (" + o.dialect + ")");
        else if constexpr (std::is_same_v<O, BulkInsert>)
          return "bulk_insert into " + o.table;
        else
          return "call " + o.step;
      },
      op);
}

}  // namespace retort::migrate
