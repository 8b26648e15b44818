// Administrative units as an officer names them: by code and Vietnamese name, the ones in force
// today first, and a commune's records found under her new commune after a merger (a unit covers
// its predecessors, as the permission check already reads it). Built on Database's public reads
// only, so apps and ocop-field get the same answers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/sdk/database.hpp"

namespace ocop::sdk {

// Every unit, former ones too, of `level` when given, by code.
std::vector<Record> all_units(Database& db, std::string_view level = {});

// Units in force on `on` (valid_from <= on <= valid_to), of `level` when given, by code.
std::vector<Record> units_in_force(Database& db, domain::Date on, std::string_view level = {});

// The id of the unit with `code` in force on `on`. Throws record.not_found naming the code (and
// how to list the codes) when none is, value.bad_format when several units of different levels
// share it.
std::string unit_id_by_code(Database& db, std::string_view code, domain::Date on);

// `unit_id` and every unit that merged into it, directly or through other merges.
std::vector<std::string> unit_with_predecessors(Database& db, std::string_view unit_id);

// Records of `collection` whose `unit` is `unit_id` or one of its predecessors, with `filters`,
// in id order after `after_id`, at most `limit` (0: all).
std::vector<Record> list_in_unit(Database& db, const std::string& collection,
                                 const std::string& unit_id,
                                 const std::vector<FieldFilter>& filters, size_t limit,
                                 const std::string& after_id = {});

}  // namespace ocop::sdk
