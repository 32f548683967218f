#include "analytics/models/bundle.h"

#include <openssl/evp.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mw::models {
namespace {

constexpr char kMagic[8] = {'M', 'W', 'M', 'O', 'D', 'E', 'L', '1'};
constexpr std::size_t kDigestSize = 32;

std::string Sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

void PutU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU64(std::string_view& in, std::uint64_t* v) {
  if (in.size() < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

nlohmann::json Metadata(const ModelBundle& b) {
  return {{"kind", b.kind},
          {"version", b.version},
          {"created", b.created},
          {"features", b.features},
          {"scaler", {{"mean", b.scaler.mean}, {"scale", b.scaler.scale}}},
          {"classes", b.classes},
          {"params", b.params},
          {"metrics", b.metrics},
          {"data_hash", b.data_hash},
          {"rows", b.rows},
          {"units", b.units}};
}

Status FromMetadata(const nlohmann::json& j, ModelBundle& b) {
  try {
    b.kind = j.at("kind").get<std::string>();
    b.version = j.at("version").get<int>();
    b.created = j.at("created").get<std::string>();
    b.features = j.at("features").get<std::vector<std::string>>();
    b.scaler.mean = j.at("scaler").at("mean").get<std::vector<double>>();
    b.scaler.scale = j.at("scaler").at("scale").get<std::vector<double>>();
    b.classes = j.at("classes").get<std::vector<std::string>>();
    b.params = j.at("params");
    b.metrics = j.at("metrics");
    b.data_hash = j.at("data_hash").get<std::string>();
    b.rows = j.at("rows").get<std::uint64_t>();
    b.units = j.at("units").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("metadata: ") + e.what());
  }
  if (b.scaler.mean.size() != b.features.size() || b.scaler.scale.size() != b.features.size()) {
    return Status::Corruption("metadata: the scaler has " + std::to_string(b.scaler.mean.size()) +
                              " columns for " + std::to_string(b.features.size()) + " features");
  }
  return Status::Ok();
}

}  // namespace

Scaler Scaler::Fit(const std::vector<float>& x, std::size_t cols) {
  Scaler s;
  if (cols == 0) return s;
  s.mean.assign(cols, 0);
  s.scale.assign(cols, 1);
  std::vector<double> sum(cols, 0), squares(cols, 0);
  std::vector<std::size_t> count(cols, 0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) continue;
    sum[i % cols] += x[i];
    ++count[i % cols];
  }
  for (std::size_t c = 0; c < cols; ++c) s.mean[c] = count[c] ? sum[c] / static_cast<double>(count[c]) : 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) continue;
    const double d = x[i] - s.mean[i % cols];
    squares[i % cols] += d * d;
  }
  for (std::size_t c = 0; c < cols; ++c) {
    const double sd = count[c] ? std::sqrt(squares[c] / static_cast<double>(count[c])) : 0;
    if (sd > 0) s.scale[c] = sd;
  }
  return s;
}

void Scaler::Apply(float* row) const {
  for (std::size_t c = 0; c < mean.size(); ++c) row[c] = static_cast<float>((row[c] - mean[c]) / scale[c]);
}

void Scaler::Apply(std::vector<float>& x) const {
  if (mean.empty()) return;
  for (std::size_t r = 0; r + mean.size() <= x.size(); r += mean.size()) Apply(x.data() + r);
}

Status WriteBundle(const std::string& path, const ModelBundle& bundle) {
  std::string bytes(kMagic, sizeof kMagic);
  const std::string meta = Metadata(bundle).dump();
  PutU64(bytes, meta.size());
  bytes += meta;
  PutU64(bytes, bundle.model.size());
  bytes += bundle.model;
  bytes += Sha256(bytes);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Status::IoError("cannot write " + temporary);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return Status::IoError("cannot rename " + temporary + " to " + path + ": " + ec.message());
  return Status::Ok();
}

Result<ModelBundle> ReadBundle(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open model bundle " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseBundle(bytes, path);
}

Result<ModelBundle> ParseBundle(std::string_view bytes, const std::string& source) {
  const auto corrupt = [&](const std::string& why) {
    return Status::Corruption("model bundle " + source + ": " + why);
  };
  if (bytes.size() < sizeof kMagic + 16 + kDigestSize ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("not a Millwright model bundle (no MWMODEL1 header)");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - kDigestSize);
  if (Sha256(body) != bytes.substr(body.size()))
    return corrupt("checksum mismatch (the file is damaged or truncated)");
  std::string_view rest = body.substr(sizeof kMagic);
  std::uint64_t meta_size = 0, model_size = 0;
  if (!GetU64(rest, &meta_size) || meta_size > rest.size()) return corrupt("metadata length past the end");
  const std::string_view meta = rest.substr(0, meta_size);
  rest.remove_prefix(meta_size);
  if (!GetU64(rest, &model_size) || model_size != rest.size())
    return corrupt("model length does not match the file");
  ModelBundle bundle;
  const nlohmann::json j = nlohmann::json::parse(meta, nullptr, false);
  if (j.is_discarded()) return corrupt("metadata is not JSON");
  const Status parsed = FromMetadata(j, bundle);
  if (!parsed.ok()) return corrupt(parsed.message());
  bundle.model = std::string(rest);
  return bundle;
}

nlohmann::json BundleInfo(const ModelBundle& bundle) { return Metadata(bundle); }

}  // namespace mw::models
