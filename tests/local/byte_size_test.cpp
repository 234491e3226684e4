// Sizes in the local provider's options (memory_limit, memory_budget).

#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "backends/byte_size.hpp"

namespace {

using switchboard::local::describe_bytes;
using switchboard::local::read_byte_size;
using nlohmann::json;

TEST(ByteSize, PlainNumbersAndUnits) {
  EXPECT_EQ(read_byte_size(json(2000000), "memory_budget"), 2000000u);  // YAML's plain integers are signed
  EXPECT_EQ(read_byte_size(json(0u), "memory_budget"), 0u);
  EXPECT_EQ(read_byte_size(json("512MiB"), "memory_limit"), 512u << 20);
  EXPECT_EQ(read_byte_size(json("8 GB"), "memory_limit"), 8000000000u);
  EXPECT_EQ(read_byte_size(json("1.5GiB"), "memory_limit"), 1610612736u);
  EXPECT_EQ(read_byte_size(json("4096"), "memory_limit"), 4096u);
}

TEST(ByteSize, NonsenseIsRefusedNamingTheOption) {
  for (const json& bad : {json(-1), json("-3GB"), json("lots"), json("12 parsecs"), json(true), json(1.5)}) {
    try {
      read_byte_size(bad, "memory_limit");
      ADD_FAILURE() << bad.dump() << " was accepted";
    } catch (const switchboard::Error& error) {
      EXPECT_NE(std::string(error.what()).find("memory_limit"), std::string::npos) << error.what();
    }
  }
}

TEST(ByteSize, MessagesPickTheUnitThatReads) {
  EXPECT_EQ(describe_bytes(300 * 1024), "300.0 KiB");
  EXPECT_EQ(describe_bytes(4u << 20), "4.0 MiB");
  EXPECT_EQ(describe_bytes(5u << 29), "2.50 GiB");
}

}  // namespace
