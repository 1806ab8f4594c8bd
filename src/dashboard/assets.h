// The front end built into the binary: web/dist/* turned into byte arrays at
// build time (embed_assets.cmake), so the dashboard is one file to deploy.
#pragma once

#include <string_view>

namespace lt::dashboard {

struct Asset {
  std::string_view path;          // "/index.html", "/assets/index-3f2a.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// nullptr when no asset has that path. "/" is "/index.html".
const Asset* find_asset(std::string_view path);
// True when the embedded assets are the placeholder (web/dist was missing at build time).
bool assets_are_placeholder();

}  // namespace lt::dashboard
