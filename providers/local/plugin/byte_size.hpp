#pragma once
// Sizes in the catalog: a number of bytes, or a string with a unit ("512MiB", "8 GB", "1.5GiB").

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace switchboard::local {

// Throws Error(config) naming `field` and the accepted forms.
std::size_t read_byte_size(const nlohmann::json& value, const std::string& field);

}  // namespace switchboard::local
