// Result<T>: a value or an Error, shaped like std::expected (which libstdc++ 12 lacks in
// C++20 mode). Expected failures travel as values; exceptions never cross a module boundary.
//
//   Result<int> Parse(std::string_view s);
//   SECPLAT_ASSIGN_OR_RETURN(int n, Parse("42"));
//   if (n < 0) return Unexpected(Error{ErrorCode::kInvalidArgument, "negative"});
//
// Status is Result<void>: OkStatus() or an Error.
#ifndef SECPLAT_CORE_COMMON_RESULT_H_
#define SECPLAT_CORE_COMMON_RESULT_H_

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/common/check.h"
#include "core/common/error.h"

namespace secplat {

// Wraps an Error so that it converts to any Result<T>.
struct Unexpected {
  explicit Unexpected(Error e) : error(std::move(e)) {}
  Unexpected(ErrorCode code, std::string message) : error{code, std::move(message)} {}
  Error error;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  Result(const T& value) : data_(value) {}             // NOLINT: implicit by design
  Result(T&& value) : data_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Unexpected u) : data_(std::move(u.error)) {}  // NOLINT: implicit by design
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Unexpected> && !std::is_same_v<std::decay_t<U>, Result>)
      Result(U&& value)
      : data_(T(std::forward<U>(value))) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    SECPLAT_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(data_);
  }
  const T& value() const& {
    SECPLAT_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(data_);
  }
  T&& value() && {
    SECPLAT_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(std::move(data_));
  }
  const Error& error() const& {
    SECPLAT_CHECK(!has_value(), "Result::error() on a value");
    return std::get<1>(data_);
  }
  Error&& error() && {
    SECPLAT_CHECK(!has_value(), "Result::error() on a value");
    return std::get<1>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(data_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)) {}  // NOLINT: implicit by design
  bool has_value() const { return !error_.has_value(); }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const { SECPLAT_CHECK(has_value(), "Result<void>::value() on an error"); }
  const Error& error() const& {
    SECPLAT_CHECK(!has_value(), "Result::error() on a value");
    return *error_;
  }
  Error&& error() && {
    SECPLAT_CHECK(!has_value(), "Result::error() on a value");
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;
inline Status OkStatus() { return Status(); }

namespace internal {
inline const Error& ErrorOf(const Status& s) { return s.error(); }
template <typename T>
const Error& ErrorOf(const Result<T>& r) {
  return r.error();
}
}  // namespace internal

}  // namespace secplat

#define SECPLAT_CONCAT_INNER_(a, b) a##b
#define SECPLAT_CONCAT_(a, b) SECPLAT_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Status or Result<T>) from the enclosing function.
#define SECPLAT_RETURN_IF_ERROR(expr)                                              \
  do {                                                                             \
    auto&& secplat_status_ = (expr);                                               \
    if (!secplat_status_.has_value())                                              \
      return ::secplat::Unexpected(::secplat::internal::ErrorOf(secplat_status_)); \
  } while (0)

#define SECPLAT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                        \
  auto tmp = (expr);                                                          \
  if (!tmp.has_value()) return ::secplat::Unexpected(std::move(tmp).error()); \
  lhs = std::move(tmp).value()

// `SECPLAT_ASSIGN_OR_RETURN(T x, ResultExpr());` declares x from the value or returns the error.
#define SECPLAT_ASSIGN_OR_RETURN(lhs, expr) \
  SECPLAT_ASSIGN_OR_RETURN_IMPL_(SECPLAT_CONCAT_(secplat_result_, __LINE__), lhs, expr)

#endif  // SECPLAT_CORE_COMMON_RESULT_H_
