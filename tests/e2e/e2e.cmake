# Included from CMakeLists.txt: the Chromium end-to-end suite as one ctest entry
# (label e2e). Needs the local broker (scripts/kafka start) like the integration tests.
find_program(LT_NODE node)
if(LT_NODE)
  add_test(NAME e2e_dashboard COMMAND ${LT_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/dashboard.e2e.mjs)
  set_tests_properties(e2e_dashboard PROPERTIES
    LABELS e2e
    TIMEOUT 300
    RUN_SERIAL TRUE
    ENVIRONMENT "LT_BINARY=$<TARGET_FILE:logtracer>;LT_SOURCE_DIR=${CMAKE_SOURCE_DIR};LT_E2E_OUT=${CMAKE_SOURCE_DIR}/build/e2e-screenshots")
endif()
if(LT_NODE)
  # `make run`'s command path: the embedded demo, no Kafka.
  add_test(NAME e2e_run COMMAND ${LT_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/run.e2e.mjs)
  set_tests_properties(e2e_run PROPERTIES
    LABELS e2e
    TIMEOUT 180
    ENVIRONMENT "LT_BINARY=$<TARGET_FILE:logtracer>;LT_SOURCE_DIR=${CMAKE_SOURCE_DIR};LT_E2E_OUT=${CMAKE_SOURCE_DIR}/build/e2e-screenshots")
endif()
if(LT_NODE)
  # dashboard.auth in the browser: login form, wrong password, session cookie, logout (no Kafka).
  add_test(NAME e2e_login COMMAND ${LT_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/login.e2e.mjs)
  set_tests_properties(e2e_login PROPERTIES
    LABELS e2e
    TIMEOUT 120
    ENVIRONMENT "LT_BINARY=$<TARGET_FILE:logtracer>;LT_SOURCE_DIR=${CMAKE_SOURCE_DIR};LT_E2E_OUT=${CMAKE_SOURCE_DIR}/build/e2e-screenshots")
endif()
if(LT_NODE)
  # 20,000 events/s through Kafka into the dashboard and Chromium: bounded DOM, heap and rows, skipped marker, pause.
  add_test(NAME e2e_dashboard_rate COMMAND ${LT_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/dashboard_rate.e2e.mjs)
  set_tests_properties(e2e_dashboard_rate PROPERTIES
    LABELS e2e
    TIMEOUT 180
    RUN_SERIAL TRUE
    ENVIRONMENT "LT_BINARY=$<TARGET_FILE:logtracer>;LT_SOURCE_DIR=${CMAKE_SOURCE_DIR};LT_E2E_OUT=${CMAKE_SOURCE_DIR}/build/e2e-screenshots")
endif()
