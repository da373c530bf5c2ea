# Runtime CPU dispatch (issue 15, docs/cpu-dispatch.md).
#
# loftq_add_cpu_levels(TARGET <lib> SOURCES <files>... LIBRARIES <what the sources use>...)
#   Compiles SOURCES once per level of LOFTQ_CPU_LEVELS with -march=<level>, makes each level's
#   objects one object with level-private symbols (LoftqLocalizeLevel.cmake), and adds them to TARGET
#   with a generated table of trampolines (LoftqDispatchTable.cmake): the rest of the program calls
#   the sources' functions by their usual names and lands in the level chosen at startup
#   (core/src/cpu/cpu_level_dispatch.cpp). TARGET must not compile SOURCES itself.
include_guard(GLOBAL)
include(CMakeFindBinUtils)

# Lowest first; the order of kLevels in core/src/cpu/cpu_level_dispatch.cpp.
set(LOFTQ_CPU_LEVELS x86-64-v2 x86-64-v3 x86-64-v4)

function(loftq_add_cpu_levels)
  cmake_parse_arguments(D "" "TARGET" "SOURCES;LIBRARIES" ${ARGN})
  foreach(tool CMAKE_LINKER CMAKE_OBJCOPY CMAKE_NM CMAKE_READELF)
    if(NOT ${tool})
      message(FATAL_ERROR "CPU dispatch needs ${tool} (binutils); or configure with -DLOFTQ_CPU_DISPATCH=OFF")
    endif()
  endforeach()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/cpu_levels)
  file(MAKE_DIRECTORY ${dir})
  set(level_objects "")
  list(GET LOFTQ_CPU_LEVELS 0 lowest)
  foreach(level IN LISTS LOFTQ_CPU_LEVELS)
    string(COMPARE EQUAL ${level} ${lowest} is_lowest)
    set(objects ${D_TARGET}_${level})
    add_library(${objects} OBJECT ${D_SOURCES})
    if(LOFTQ_UNITY_BUILD)
      # One compiler run per level: its sources then share Eigen's instantiations (GEMM kernels, the
      # SVD), which separate runs each compile again (9 sources at v4: 243 s one by one, 88 s as one).
      set_target_properties(${objects} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
    endif()
    # The level's code is compiled as TARGET's own sources are, but for its level.
    foreach(property INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS)
      set_property(TARGET ${objects} PROPERTY ${property} $<TARGET_PROPERTY:${D_TARGET},${property}>)
    endforeach()
    target_link_libraries(${objects} PRIVATE ${D_LIBRARIES})
    target_compile_options(${objects} PRIVATE -march=${level})
    set(output ${dir}/${level}.o)
    add_custom_command(
      OUTPUT ${output} ${dir}/${level}.entries
      COMMAND ${CMAKE_COMMAND} -DLEVEL=${level} -DLOWEST=${is_lowest} "-DOBJECTS=$<JOIN:$<TARGET_OBJECTS:${objects}>,|>"
              -DOUTPUT=${output} -DENTRIES=${dir}/${level}.entries -DLINKER=${CMAKE_LINKER}
              -DOBJCOPY=${CMAKE_OBJCOPY} -DNM=${CMAKE_NM} -DREADELF=${CMAKE_READELF}
              -P ${PROJECT_SOURCE_DIR}/cmake/LoftqLocalizeLevel.cmake
      DEPENDS $<TARGET_OBJECTS:${objects}> ${objects} ${PROJECT_SOURCE_DIR}/cmake/LoftqLocalizeLevel.cmake
      COMMENT "CPU level ${level}: level-private symbols"
      VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND level_objects ${output})
    list(APPEND level_entries ${dir}/${level}.entries)
  endforeach()
  set(table ${dir}/kernel_dispatch_table.cpp)
  list(JOIN LOFTQ_CPU_LEVELS "|" levels)
  add_custom_command(
    OUTPUT ${table}
    COMMAND ${CMAKE_COMMAND} "-DLEVELS=${levels}" -DENTRIES_DIR=${dir} -DOUTPUT=${table}
            -P ${PROJECT_SOURCE_DIR}/cmake/LoftqDispatchTable.cmake
    DEPENDS ${level_entries} ${PROJECT_SOURCE_DIR}/cmake/LoftqDispatchTable.cmake
    COMMENT "CPU dispatch table"
    VERBATIM)
  set_source_files_properties(${level_objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_sources(${D_TARGET} PRIVATE ${level_objects} ${table})
  set_source_files_properties(${table} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()
