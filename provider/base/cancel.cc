#include "provider/base/cancel.h"

#include <utility>

namespace prov::cancel {
namespace {
thread_local Scope* current = nullptr;
}  // namespace

Scope::Scope(const std::atomic<bool>* flag, std::function<bool()> poll)
    : flag_(flag), poll_(std::move(poll)), outer_(current) {
  current = this;
}

Scope::~Scope() { current = outer_; }

bool Scope::Requested() const {
  if (latched_) return true;
  if ((flag_ != nullptr && flag_->load()) || (poll_ && poll_())) latched_ = true;
  return latched_ || (outer_ != nullptr && outer_->Requested());
}

bool Requested(const std::atomic<bool>* extra) {
  if (extra != nullptr && extra->load()) return true;
  return current != nullptr && current->Requested();
}

}  // namespace prov::cancel
