# The `docs` target: Doxygen over the public headers and the Markdown docs, warnings as errors.
# Only when framepipe is the top-level project, and never part of the default build or the tests:
#   cmake --build <build> --target docs      ->  <build>/docs/html/index.html
# Needs Doxygen (Debian: apt-get install doxygen); without it the target says so and fails.

include_guard(GLOBAL)

if(NOT FRAMEPIPE_MASTER_PROJECT)
  return()
endif()

find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(FRAMEPIPE_DOCS_OUTPUT_DIR "${PROJECT_BINARY_DIR}/docs")
  configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${PROJECT_BINARY_DIR}/Doxyfile" @ONLY)
  add_custom_target(docs
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${FRAMEPIPE_DOCS_OUTPUT_DIR}"
    COMMAND Doxygen::doxygen "${PROJECT_BINARY_DIR}/Doxyfile"
    COMMAND "${CMAKE_COMMAND}" -E echo "framepipe: docs in ${FRAMEPIPE_DOCS_OUTPUT_DIR}/html/index.html"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    COMMENT "Doxygen: framepipe API documentation (warnings are errors)"
    VERBATIM)
else()
  add_custom_target(docs
    COMMAND "${CMAKE_COMMAND}" -E echo
            "framepipe: the docs target needs Doxygen. On Debian/Ubuntu: apt-get install doxygen"
    COMMAND "${CMAKE_COMMAND}" -E false
    VERBATIM)
endif()
