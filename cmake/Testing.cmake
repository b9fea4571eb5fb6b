# Helpers for tests. Labels: unit, fuzz, netns, kernel, bench.

# wl_gtest(<name> SOURCES ... LIBS ... [LABELS ...])
function(wl_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE wl_options ${T_LIBS} GTest::gtest GTest::gtest_main)
  # Helpers every unit test may share (wirelink/test/keys.hpp).
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/support)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "WL_SOURCE_DIR=${PROJECT_SOURCE_DIR};WL_BINARY_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# wl_fuzz(<name> HARNESS file.cpp CORPUS dir LIBS ...)
# Always builds <name>_replay (a plain main that runs every corpus file through the harness;
# ctest runs it, under ASan+UBSan in the asan preset). With WL_FUZZ (clang) also builds the
# libFuzzer binary <name>.
function(wl_fuzz name)
  cmake_parse_arguments(F "" "HARNESS;CORPUS" "LIBS" ${ARGN})
  add_executable(${name}_replay ${F_HARNESS} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
  set_target_properties(${name}_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  target_link_libraries(${name}_replay PRIVATE wl_options ${F_LIBS})
  add_test(NAME fuzz_replay_${name} COMMAND ${name}_replay ${F_CORPUS})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS "fuzz")
  if(WL_FUZZ)
    add_executable(${name} ${F_HARNESS})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    target_link_libraries(${name} PRIVATE wl_options ${F_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  endif()
endfunction()

# wl_script_test(<name> COMMAND ... LABELS ... [TIMEOUT s])
# Root-only tests (netns, kernel) exit 77 only when privilege or a tool is truly missing.
function(wl_script_test name)
  cmake_parse_arguments(S "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND ${S_COMMAND})
  if(NOT S_TIMEOUT)
    set(S_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${S_LABELS}" SKIP_RETURN_CODE 77
    TIMEOUT ${S_TIMEOUT} RUN_SERIAL TRUE
    ENVIRONMENT "WL_SOURCE_DIR=${PROJECT_SOURCE_DIR};WL_BINARY_DIR=${CMAKE_BINARY_DIR};WL_BIN=${CMAKE_BINARY_DIR}/bin")
endfunction()

# Subdirectories of a folder that have a CMakeLists.txt are added in name order, so modules
# add their test folders without touching a shared file.
function(wl_add_child_dirs)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
