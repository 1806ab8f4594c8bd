# Included from CMakeLists.txt after lt_module(dashboard): generates a C++ source
# holding web/dist/* (Vite's build output) as byte arrays and links it into
# lt_dashboard, so the logtracer binary serves the front end by itself.
set(LT_WEB_DIST ${CMAKE_SOURCE_DIR}/web/dist)
set(LT_ASSETS_CPP ${CMAKE_BINARY_DIR}/generated/dashboard_assets.cpp)
# CONFIGURE_DEPENDS: a rebuilt (or newly built) web/dist re-runs the embedding.
file(GLOB_RECURSE LT_WEB_FILES CONFIGURE_DEPENDS ${LT_WEB_DIST}/*)
add_custom_command(
  OUTPUT ${LT_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DDIST=${LT_WEB_DIST} -DOUT=${LT_ASSETS_CPP}
          -P ${CMAKE_SOURCE_DIR}/src/dashboard/embed_assets_gen.cmake
  DEPENDS ${LT_WEB_FILES} ${CMAKE_SOURCE_DIR}/src/dashboard/embed_assets_gen.cmake
  COMMENT "Embedding web/dist into the dashboard"
  VERBATIM)
target_sources(lt_dashboard PRIVATE ${LT_ASSETS_CPP})
