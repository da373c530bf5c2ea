// The one source of each test folder's precompiled-header target (tests/CMakeLists.txt): the header
// is what it builds.
