#pragma once
// The compute backends the engine tests run on: every one this machine can run.

#include <string>
#include <vector>

namespace switchboard::testing {

std::vector<std::string> test_backend_kinds();

}  // namespace switchboard::testing
