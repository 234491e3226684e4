// The typo suggestions used in catalog (and other) error messages.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../framework/src/did_you_mean.hpp"

namespace switchboard::detail {
namespace {

TEST(DidYouMean, EditDistanceCountsEachEditOnce) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("provider", "provider"), 0u);
  EXPECT_EQ(edit_distance("provder", "provider"), 1u);   // deletion
  EXPECT_EQ(edit_distance("providerr", "provider"), 1u); // insertion
  EXPECT_EQ(edit_distance("provoder", "provider"), 1u);  // substitution
  EXPECT_EQ(edit_distance("provdier", "provider"), 1u);  // swap of neighbours
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, SuggestsOnlyNearCandidates) {
  const std::vector<std::string> keys = {"provider", "path", "source", "context"};
  EXPECT_EQ(closest_match("provdier", keys), "provider");
  EXPECT_EQ(closest_match("contxet", keys), "context");
  EXPECT_EQ(closest_match("sorce", keys), "source");
  EXPECT_EQ(closest_match("temperature", keys), std::nullopt);
  EXPECT_EQ(closest_match("path", keys), std::nullopt);  // an exact match is no suggestion
}

TEST(DidYouMean, ShortWordsAllowOneEdit) {
  const std::vector<std::string> names = {"cpu", "gpu"};
  EXPECT_EQ(closest_match("cpv", names), "cpu");
  EXPECT_EQ(closest_match("tpx", names), std::nullopt);  // two edits from "cpu"
}

TEST(DidYouMean, TiesGoToTheFirstCandidate) {
  EXPECT_EQ(closest_match("top_x", std::vector<std::string>{"top_p", "top_k"}), "top_p");
  EXPECT_EQ(closest_match("top_x", std::vector<std::string>{"top_k", "top_p"}), "top_k");
}

TEST(DidYouMean, MessageSuffix) {
  const std::vector<std::string> keys = {"models", "providers"};
  EXPECT_EQ(did_you_mean("modles", keys), "; did you mean 'models'?");
  EXPECT_EQ(did_you_mean("zzz", keys), "");
}

}  // namespace
}  // namespace switchboard::detail
