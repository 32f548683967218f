#include "core/status.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status UsesReturnIfError(int x, int& out) {
  auto r = Half(x);
  MW_RETURN_IF_ERROR(r.status());
  out = *r;
  return Status::Ok();
}

TEST(Status, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status s = Status::NotFound("asset plant1/x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: asset plant1/x");
}

TEST(Result, HoldsValueOrError) {
  EXPECT_EQ(*Half(8), 4);
  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd: 3");
}

TEST(Result, ReturnIfErrorPropagates) {
  int out = 0;
  EXPECT_TRUE(UsesReturnIfError(10, out).ok());
  EXPECT_EQ(out, 5);
  EXPECT_EQ(UsesReturnIfError(7, out).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw
