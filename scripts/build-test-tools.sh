#!/usr/bin/env bash
# Builds the test tools (OpenTofu, Terraform) from the Go module proxy into a cache
# that survives between runs on the same machine. Idempotent: a tool already built at
# the pinned version is reused. Prints nothing on success except progress lines.
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
TERRAFORM_VERSION="${TERRAFORM_VERSION:-v1.5.7}"
# The third client, a current Terraform. Terraform >= 1.6 cannot be built from the module proxy:
# its go.mod requires nine nested modules (internal/backend/remote-state/*, internal/legacy) at
# v0.0.0 and replaces them with local paths that the module zip leaves out. So this one is taken
# from the machine (a `terraform` on PATH, or TERRAFORM_CURRENT_BIN) when it is exactly this
# version, and copied into the cache so that later runs do not depend on PATH.
TERRAFORM_CURRENT_VERSION="${TERRAFORM_CURRENT_VERSION:-v1.11.4}"
CACHE="${OFFICE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-office/tools}"
mkdir -p "$CACHE/bin"

log() { printf '[tools] %s\n' "$*" >&2; }

build_tofu() {
  local out="$CACHE/bin/tofu-${TOFU_VERSION}"
  if [[ -x "$out" ]]; then return 0; fi
  log "building OpenTofu ${TOFU_VERSION} (first run on this machine; a few minutes)"
  local work; work="$(mktemp -d)"
  # OpenTofu's go.mod has a replace directive, so `go install pkg@version` refuses it.
  # A throw-away module that requires it and repeats the replace builds it instead.
  local replace
  replace="$(curl -fsS "$(go env GOPROXY | cut -d, -f1)/github.com/opentofu/opentofu/@v/${TOFU_VERSION}.mod" \
              | grep -E '^replace ' || true)"
  (
    cd "$work"
    cat > go.mod <<MOD
module office.test/tofubuild

go 1.25

require github.com/opentofu/opentofu ${TOFU_VERSION}

${replace}
MOD
    cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
GO
    GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true
    GOFLAGS=-mod=mod go get "github.com/opentofu/opentofu/cmd/tofu@${TOFU_VERSION}" >/dev/null
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "$out.tmp" github.com/opentofu/opentofu/cmd/tofu
  )
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

build_terraform() {
  local out="$CACHE/bin/terraform-${TERRAFORM_VERSION}"
  if [[ -x "$out" ]]; then return 0; fi
  log "building Terraform ${TERRAFORM_VERSION} (first run on this machine; a few minutes)"
  local gobin; gobin="$(mktemp -d)"
  CGO_ENABLED=0 GOBIN="$gobin" go install -trimpath -ldflags "-s -w" \
    "github.com/hashicorp/terraform@${TERRAFORM_VERSION}"
  mv "$gobin/terraform" "$out"
  rm -rf "$gobin"
}

terraform_version_of() { "$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1; }

install_terraform_current() {
  local out="$CACHE/bin/terraform-${TERRAFORM_CURRENT_VERSION}"
  if [[ -x "$out" ]]; then return 0; fi
  local want="${TERRAFORM_CURRENT_VERSION#v}" cand found=""
  for cand in ${TERRAFORM_CURRENT_BIN:-} $(type -ap terraform 2>/dev/null || true); do
    [[ -x "$cand" ]] || continue
    if [[ "$(terraform_version_of "$cand")" == "$want" ]]; then found="$cand"; break; fi
  done
  if [[ -z "$found" ]]; then
    log "Terraform ${TERRAFORM_CURRENT_VERSION} not found: put it on PATH or set TERRAFORM_CURRENT_BIN"
    log "(releases.hashicorp.com/terraform/${want}/terraform_${want}_linux_amd64.zip; it cannot be"
    log " built from the Go module proxy, see the comment at the top of $0)"
    return 1
  fi
  log "using Terraform ${TERRAFORM_CURRENT_VERSION} from $found"
  cp "$found" "$out.tmp"
  mv "$out.tmp" "$out"
}

# Two runs at once (CI plus a developer shell) would race on the same output files.
if [[ "${1:-all}" != path ]] && command -v flock >/dev/null; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

case "${1:-all}" in
  tofu) build_tofu ;;
  terraform) build_terraform ;;
  terraform-current) install_terraform_current ;;
  all) build_tofu; build_terraform; install_terraform_current ;;
  path) ;;
  *) echo "usage: $0 [all|tofu|terraform|terraform-current|path]" >&2; exit 2 ;;
esac
# Client names used by the acceptance suite (ACC_CLIS): tofu, terraform (1.5.7), terraform-1.11.
ln -sf "tofu-${TOFU_VERSION}" "$CACHE/bin/tofu"
ln -sf "terraform-${TERRAFORM_VERSION}" "$CACHE/bin/terraform"
current_minor="$(echo "${TERRAFORM_CURRENT_VERSION#v}" | cut -d. -f1,2)"
ln -sf "terraform-${TERRAFORM_CURRENT_VERSION}" "$CACHE/bin/terraform-${current_minor}"
echo "$CACHE/bin"
