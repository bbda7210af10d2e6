#!/usr/bin/python3
"""The odr preset's check can fail: a planted duplicate class is refused, a repeated one is not.

    check_odr_plant.py CXX WORK_DIR "COMPILE FLAGS" "LINK FLAGS"

The flags are the ones the odr preset builds cjsim with (CMakeLists.txt, CJSIM_ODR_*_FLAGS), so
this shows that exact build would stop on two different definitions of one class
(odr_plant/table_a.cpp and table_planted.cpp) and accepts the same definition seen twice
(table_a.cpp and table_same.cpp, as any header makes).
"""
import os
import shlex
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "odr_plant")


def build(cxx, work, compile_flags, link_flags, sources):
    objects = []
    for s in sources:
        o = os.path.join(work, os.path.basename(s) + ".o")
        subprocess.run([cxx, "-std=c++20", "-O0", *compile_flags, "-c", os.path.join(HERE, s),
                        "-o", o], check=True)
        objects.append(o)
    exe = os.path.join(work, "odr_" + "_".join(os.path.splitext(s)[0] for s in sources))
    return subprocess.run([cxx, *link_flags, *objects, "-o", exe], capture_output=True, text=True)


def main():
    cxx, work = sys.argv[1], sys.argv[2]
    compile_flags, link_flags = shlex.split(sys.argv[3]), shlex.split(sys.argv[4])
    os.makedirs(work, exist_ok=True)
    same = build(cxx, work, compile_flags, link_flags, ["table_a.cpp", "table_same.cpp"])
    if same.returncode != 0:
        print(same.stderr)
        print("FAIL: one class defined identically in two files was refused")
        return 1
    planted = build(cxx, work, compile_flags, link_flags, ["table_a.cpp", "table_planted.cpp"])
    if planted.returncode == 0:
        print("FAIL: two different definitions of cjsim::cli::TextTable linked without an error")
        return 1
    if "One Definition Rule" not in planted.stderr:
        print(planted.stderr)
        print("FAIL: the planted duplicate failed to link, but not for the One Definition Rule")
        return 1
    print("odr: the planted duplicate class is refused:")
    print("\n".join(line for line in planted.stderr.splitlines() if "odr" in line or "Rule" in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
