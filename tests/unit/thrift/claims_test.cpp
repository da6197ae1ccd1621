// SPDX-License-Identifier: Apache-2.0
// What a message's container claims can make a decode allocate. Thrift's generated readers size a
// vector by its claim before reading an element (an empty struct's wire size is zero to Thrift's
// own check), so claims nested dozens deep would cost thousands of times the message's size; the
// decoder first proves every claimed element is there. Allocations are counted by replacing the
// global operator new for this test binary (counting only on the thread and while asked); not
// under AddressSanitizer, whose own operator new the shared libraries keep using (the count is
// then skipped: the normal build checks it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "nesting_types.h"
#include "scales/thrift/codec.h"

namespace {
thread_local bool counting = false;
thread_local size_t counted = 0;

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCounting = false;
#else
constexpr bool kCounting = true;
namespace {
void* allocate(std::size_t n) {
  if (counting) counted += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace scales::thrift {
namespace {

// Bytes allocated on this thread while `f` runs.
template <class F>
size_t allocatedBy(F&& f) {
  counted = 0;
  counting = true;
  try {
    f();
  } catch (...) {
    counting = false;
    throw;
  }
  counting = false;
  return counted;
}

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (24 - 8 * i)));
}

TEST(ThriftClaims, NestedClaimsWithoutTheirElementsAllocateNothing) {
  // A Tree whose kids claim 60,000 Trees, the first of which claims 60,000, ... 60 deep, then
  // 64 KiB of zero bytes: each is an empty Tree, far fewer than claimed.
  std::string message;
  put32(message, 0x80010001);  // strict binary, T_CALL
  put32(message, 5);
  message += "count";
  put32(message, 0);  // seqid
  for (int depth = 0; depth < 60; ++depth) {
    message += std::string("\x0f\x00\x01\x0c", 4);  // field 1: list<struct>
    put32(message, 60000);
  }
  message.append(64 * 1024, '\0');
  nesting::Tree tree;
  size_t bytes = allocatedBy(
      [&] { EXPECT_THROW(decodeMessage(Protocol::kBinary, message, tree), ProtocolError); });
  // Sized by the claims, the decode would allocate 60 x 60,000 Trees (over 100 MB).
  if (!kCounting) GTEST_SKIP() << "allocations are not counted under AddressSanitizer";
  EXPECT_LT(bytes, size_t{1} << 20);
}

TEST(ThriftClaims, LargeMessagesWhoseClaimsAreBackedDecodeWhole) {
  nesting::Tree tree;
  tree.kids.resize(3000);
  tree.kids[7].kids.resize(5);
  for (auto protocol : {Protocol::kBinary, Protocol::kCompact}) {
    auto bytes = encodeMessage(protocol, "count", apache::thrift::protocol::T_CALL, 0, tree);
    ASSERT_GT(bytes.size(), detail::kCheckCompleteAbove);
    nesting::Tree decoded;
    decodeMessage(protocol, bytes, decoded);
    EXPECT_EQ(decoded.kids.size(), 3000u);
    EXPECT_EQ(decoded.kids[7].kids.size(), 5u);
  }
}

}  // namespace
}  // namespace scales::thrift
