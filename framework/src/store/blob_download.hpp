#pragma once
// One file from the hub into the cache's blobs/: resumed from blobs/<etag>.incomplete, hashed as
// it arrives, checked against the hub's size and SHA-256, and renamed into place only then. A
// lock file (as huggingface_hub's) keeps two processes from writing one blob at once.

#include <stop_token>
#include <string>

#include "store/cache_layout.hpp"
#include "store/hub_client.hpp"
#include "store/progress_meter.hpp"

namespace switchboard::store {

struct BlobRequest {
  std::string repo;  // "org/name", for messages
  std::string file;  // the repository's name for it, for messages and progress
  std::string url;
  FileMeta meta;
};

// Bytes of the blob already on disk (complete or partial), to count as done before starting.
std::int64_t bytes_on_disk(const RepoCache& cache, const FileMeta& meta);

// Ensures blobs/<meta.blob_name> exists, complete and verified. Throws Error.
void download_blob(HttpSession& http, const HubClient& hub, const RepoCache& cache, const BlobRequest& request,
                   ProgressMeter& meter, std::stop_token stop);

}  // namespace switchboard::store
