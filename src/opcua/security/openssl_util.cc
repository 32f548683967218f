#include "opcua/security/openssl_util.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "opcua/security/crypto.h"

namespace mw::opcua::security::internal {

std::string SslError() {
  // The last error is the most specific one; the earlier ones are the call stack above it.
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL reason given";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

Status SslFailure(std::string_view what) { return Status::Internal(fmt::format("{}: {}", what, SslError())); }

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string ToDer(X509* x) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return Status::IoError(fmt::format("error reading {}", path));
  return bytes;
}

namespace {

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view bytes, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Status::IoError(fmt::format("cannot create the folder of {}: {}", path, ec.message()));
  const std::string tmp = path + ".tmp-" + Hex(RandomBytes(6));
  // Created with its final mode, so a secret is never readable by others, not even for a moment.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError(fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
  Status written = WriteAll(fd, bytes);
  if (::close(fd) != 0 && written.ok()) written = Status::IoError(std::strerror(errno));
  if (written.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    written = Status::IoError(std::strerror(errno));
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return Status::IoError(fmt::format("cannot write {}: {}", path, written.message()));
  }
  return Status::Ok();
}

}  // namespace mw::opcua::security::internal
