#include "store/blob_download.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <thread>

#include "store/sha256.hpp"
#include "switchboard/error.hpp"
#include "switchboard/log.hpp"

namespace switchboard::store {
namespace {

// An exclusive flock on the blob's lock file, waited for while watching the stop token.
class BlobLock {
 public:
  BlobLock(const fs::path& file, std::stop_token stop) {
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    if (error) throw_io_error("cannot create folder", file.parent_path(), error);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_io_error("cannot open lock file", file);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        ::close(fd_);
        throw_io_error("cannot lock", file);
      }
      if (stop.stop_requested()) {
        ::close(fd_);
        throw Error(ErrorCategory::unavailable, "cancelled while another process downloads " + file.stem().string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~BlobLock() { ::close(fd_); }  // closing releases the lock
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

std::int64_t size_on_disk(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

// Re-reads the kept prefix of a resumed download so the hash covers the whole file.
void hash_prefix(const fs::path& path, std::int64_t bytes, Sha256& hasher) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) throw_io_error("cannot read", path);
  std::vector<char> buffer(1 << 20);
  while (bytes > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(bytes, static_cast<std::int64_t>(buffer.size())));
    const std::size_t got = std::fread(buffer.data(), 1, want, in);
    if (got == 0) break;
    hasher.update(buffer.data(), got);
    bytes -= static_cast<std::int64_t>(got);
  }
  std::fclose(in);
}

// "bytes 100-199/200" → 100.
std::optional<std::int64_t> content_range_start(const HttpResponse& response) {
  const auto found = response.headers.find("content-range");
  if (found == response.headers.end()) return std::nullopt;
  const std::string& text = found->second;
  const std::size_t space = text.find(' ');
  const std::size_t dash = text.find('-');
  if (space == std::string::npos || dash == std::string::npos || dash < space) return std::nullopt;
  try {
    return std::stoll(text.substr(space + 1, dash - space - 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// One attempt: continues the .incomplete file from where it stands. Returns false when the
// whole file must be fetched again from byte 0 (a resumed prefix that does not verify).
bool attempt(HttpSession& http, const RepoCache& cache, const BlobRequest& request, ProgressMeter& meter,
             std::stop_token stop) {
  const FileMeta& meta = request.meta;
  const fs::path partial = cache.incomplete(meta.blob_name);
  std::int64_t offset = size_on_disk(partial);
  if (meta.size >= 0 && offset > meta.size) {  // not this file's prefix: start over
    meter.take_back(offset);
    offset = 0;
    fs::remove(partial);
  }
  const std::int64_t resumed_from = offset;
  Sha256 hasher;
  if (meta.sha256 && offset > 0) hash_prefix(partial, offset, hasher);

  std::FILE* out = std::fopen(partial.c_str(), offset > 0 ? "ab" : "wb");
  if (out == nullptr) throw_io_error("cannot write", partial);
  std::exception_ptr failure;  // exceptions must not cross libcurl's C frames
  BodySink sink;
  sink.begin = [&](const HttpResponse& response) {
    if (response.status == 206) {
      if (content_range_start(response) != offset) {
        failure = std::make_exception_ptr(RetryableFailure{request.file + ": the server resumed at the wrong byte"});
        return false;
      }
    } else if (response.status == 200 && offset > 0) {
      // The server ignored the Range: what comes is the whole file.
      if (::ftruncate(::fileno(out), 0) != 0 || std::fseek(out, 0, SEEK_SET) != 0) {
        failure = std::make_exception_ptr(Error(ErrorCategory::unavailable, "cannot truncate " + partial.string()));
        return false;
      }
      meter.take_back(offset);
      offset = 0;
      hasher = Sha256();
    }
    return true;
  };
  sink.write = [&](const char* data, std::size_t size) {
    try {
      if (std::fwrite(data, 1, size, out) != size) throw_io_error("cannot write", partial);
      if (meta.sha256) hasher.update(data, size);
      offset += static_cast<std::int64_t>(size);
      meter.add(static_cast<std::int64_t>(size), request.file);
      return true;
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  };

  HttpResponse response;
  try {
    response = http.download(request.url, offset, sink, stop);
  } catch (...) {
    std::fclose(out);
    throw;
  }
  const bool flushed = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  const int flush_errno = errno;
  std::fclose(out);
  if (failure) std::rethrow_exception(failure);
  if (!flushed) throw_io_error("cannot write", partial, std::error_code(flush_errno, std::generic_category()));

  const bool already_whole = response.status == 416 && meta.size >= 0 && offset == meta.size;
  if (!already_whole && response.status != 200 && response.status != 206) {
    HubClient::fail_for_status(response, request.file + " of " + request.repo);
  }
  if (meta.size >= 0 && offset < meta.size) {
    throw RetryableFailure{request.file + ": the connection ended at byte " + std::to_string(offset) + " of " +
                           std::to_string(meta.size)};
  }
  if (meta.size >= 0 && offset > meta.size) {
    fs::remove(partial);
    throw Error(ErrorCategory::model_format, request.file + ": the hub sent " + std::to_string(offset) +
                                                 " bytes where it announced " + std::to_string(meta.size));
  }
  if (meta.sha256) {
    if (already_whole) hash_prefix(partial, offset, hasher);
    const std::string actual = hasher.hex_digest();
    if (actual != *meta.sha256) {
      fs::remove(partial);
      meter.take_back(offset);
      if (resumed_from > 0) {
        logger()->warn("{}: the resumed download does not verify; fetching it again from the start", request.file);
        return false;
      }
      throw Error(ErrorCategory::model_format, request.file + ": SHA-256 mismatch: the hub announced " + *meta.sha256 +
                                                   ", the bytes hash to " + actual + "; the download was discarded");
    }
  }
  std::error_code error;
  fs::rename(partial, cache.blob(meta.blob_name), error);
  if (error) throw_io_error("cannot move the finished download to", cache.blob(meta.blob_name), error);
  return true;
}

}  // namespace

std::int64_t bytes_on_disk(const RepoCache& cache, const FileMeta& meta) {
  std::error_code error;
  if (fs::exists(cache.blob(meta.blob_name), error)) return meta.size >= 0 ? meta.size : size_on_disk(cache.blob(meta.blob_name));
  const std::int64_t partial = size_on_disk(cache.incomplete(meta.blob_name));
  return meta.size >= 0 && partial > meta.size ? 0 : partial;
}

void download_blob(HttpSession& http, const HubClient& hub, const RepoCache& cache, const BlobRequest& request,
                   ProgressMeter& meter, std::stop_token stop) {
  std::error_code error;
  fs::create_directories(cache.blob(request.meta.blob_name).parent_path(), error);
  if (error) throw_io_error("cannot create folder", cache.blob(request.meta.blob_name).parent_path(), error);
  BlobLock lock(cache.lock_file(request.meta.blob_name), stop);
  if (fs::exists(cache.blob(request.meta.blob_name), error)) return;  // another process finished it
  bool restarted = false;
  hub.with_retries(request.file + " of " + request.repo, stop, [&] {
    if (attempt(http, cache, request, meter, stop)) return;
    if (restarted) throw Error(ErrorCategory::model_format, request.file + ": the download does not verify");
    restarted = true;
    if (!attempt(http, cache, request, meter, stop))
      throw Error(ErrorCategory::model_format, request.file + ": the download does not verify");
  });
}

}  // namespace switchboard::store
