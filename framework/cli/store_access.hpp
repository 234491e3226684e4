#pragma once
// What the store commands (pull, ls, rm, du) share: the ModelStore the catalog's `hub:` section
// and the environment describe, reference lookup, and byte counts for people.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <switchboard/switchboard.hpp>

namespace switchboard::cli {

// The catalog, when there is one to read: a missing default catalog is no error for the store
// commands (they work from the environment alone), a broken one is.
std::optional<Catalog> load_catalog_if_present(const std::filesystem::path& catalog_file);

HubSettings hub_settings(const std::optional<Catalog>& catalog);

// "hf:org/repo[@rev]" as written, or the `source:` of the catalog model so named.
HubReference reference_from_argument(const std::string& argument, const std::optional<Catalog>& catalog);

// The exit code for a store failure: not found, auth → 4; config → 3; network, disk and the rest → 1.
int exit_code_for(const Error& error);

std::string human_bytes(std::int64_t bytes);  // "1.5 GiB", "312 KiB", "17 B"

}  // namespace switchboard::cli
