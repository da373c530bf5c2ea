# cmake -P script: turns one CPU level's kernel objects into a single object whose symbols cannot
# meet another level's (docs/cpu-dispatch.md). Eigen and the standard library are templates: every
# level instantiates the same names, and a linker keeps one arbitrary copy of each. So:
#   1. `ld -r` joins the level's objects, resolving their calls to each other;
#   2. every symbol they define, and every COMDAT group signature (group dedup goes by that name,
#      local or not), gets the prefix `loftq_<level as an identifier>.` (loftq_x86_64_v4.);
#   3. all of them become local except the entry points (strong global functions), which the
#      generated dispatch table reaches.
# Inputs: LEVEL, LOWEST (true for the first level), OBJECTS ('|'-separated), OUTPUT, ENTRIES (file listing the entry points, unprefixed),
# LINKER, OBJCOPY, NM, READELF.
string(REPLACE "|" ";" objects "${OBJECTS}")
set(joined ${OUTPUT}.joined.o)
execute_process(COMMAND ${LINKER} -r -o ${joined} ${objects} COMMAND_ERROR_IS_FATAL ANY)

execute_process(COMMAND ${NM} --defined-only --format=posix ${joined} OUTPUT_VARIABLE defined COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${READELF} -gW ${joined} OUTPUT_VARIABLE groups COMMAND_ERROR_IS_FATAL ANY)

string(MAKE_C_IDENTIFIER ${LEVEL} id) # the assembler reads "x86-64" as a subtraction
set(prefix loftq_${id}.)
set(renames "")
set(renamed_names "")
set(keep "")
set(class_tables "")
set(entries "")
string(REPLACE "\n" ";" lines "${defined}")
foreach(line IN LISTS lines)
  # posix format: NAME TYPE VALUE [SIZE]
  if(NOT line MATCHES "^([^ ]+) ([A-Za-z]) ")
    continue()
  endif()
  set(name ${CMAKE_MATCH_1})
  set(type ${CMAKE_MATCH_2})
  if(name MATCHES "^\\.L")
    continue() # assembler-local labels
  endif()
  if(LOWEST AND name MATCHES "^_ZT[VIS]")
    # Vtables and type_info (weak, in COMDAT groups) of classes the kernels define: generic code
    # names them too (an inline destructor stores the vtable). The lowest level's keep their names
    # and stay global, valid on every CPU; an object built by another level's constructor points at
    # that level's own renamed vtable, so its virtual calls stay in its level.
    list(APPEND class_tables ${name})
    string(APPEND keep "${name}\n")
    continue()
  endif()
  list(APPEND renamed_names ${name})
  if(type STREQUAL "T")
    list(APPEND entries ${name})
    string(APPEND keep "${prefix}${name}\n")
  elseif(type MATCHES "^[BDGRS]$")
    message(FATAL_ERROR "${LEVEL}: kernel sources define the global variable ${name}; a level's data "
                        "would not be shared with the other levels or the generic code: keep it out of the kernels")
  endif()
endforeach()
string(REGEX MATCHALL "COMDAT group section \\[ *[0-9]+\\] `[^']*' \\[[^]]+\\]" group_lines "${groups}")
foreach(g IN LISTS group_lines)
  string(REGEX REPLACE ".*\\[([^]]+)\\]$" "\\1" signature "${g}")
  list(APPEND renamed_names ${signature})
endforeach()
# A name defined twice (static functions of two sources) is renamed once: objcopy refuses repeats.
list(REMOVE_DUPLICATES renamed_names)
if(class_tables)
  list(REMOVE_ITEM renamed_names ${class_tables})
endif()
foreach(name IN LISTS renamed_names)
  string(APPEND renames "${name} ${prefix}${name}\n")
endforeach()

file(WRITE ${OUTPUT}.renames "${renames}")
file(WRITE ${OUTPUT}.keep "${keep}")
execute_process(COMMAND ${OBJCOPY} --redefine-syms=${OUTPUT}.renames ${joined} ${OUTPUT}.renamed.o COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${OBJCOPY} --keep-global-symbols=${OUTPUT}.keep ${OUTPUT}.renamed.o ${OUTPUT}
                COMMAND_ERROR_IS_FATAL ANY)
file(REMOVE ${joined} ${OUTPUT}.renamed.o)
list(SORT entries)
list(JOIN entries "\n" entry_text)
file(WRITE ${ENTRIES} "${entry_text}\n")
