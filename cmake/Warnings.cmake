add_library(wl_options INTERFACE)
target_compile_options(wl_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(WL_WERROR)
  target_compile_options(wl_options INTERFACE -Werror)
endif()
if(WL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(WL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# wl_module(<name> SOURCES ... DEPS ...) : one static library per module, headers under
# <module>/include/wirelink/<module>/, dependencies linked PRIVATE so that a module cannot
# reach a header of a module it does not declare.
function(wl_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(wl_${name} STATIC ${M_SOURCES})
  target_include_directories(wl_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(wl_${name} PRIVATE wl_options ${M_DEPS})
  if(M_PUBLIC_DEPS)
    target_link_libraries(wl_${name} PUBLIC ${M_PUBLIC_DEPS})
  endif()
endfunction()
