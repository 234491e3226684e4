#pragma once
// Sizes of memory: read from the catalog (a number of bytes, or a string with a unit: "512MiB",
// "8 GB", "1.5GiB"), and written in messages about memory limits.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace switchboard::local {

// Throws Error(config) naming `field` and the accepted forms.
std::size_t read_byte_size(const nlohmann::json& value, const std::string& field);

// "812.0 KiB", "318.4 MiB", "7.25 GiB".
std::string describe_bytes(std::uint64_t bytes);

}  // namespace switchboard::local
