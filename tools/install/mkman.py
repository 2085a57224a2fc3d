#!/usr/bin/env python3
"""mkman.py DSIM OUTPUT VERSION — writes the man page dsim.1 from the text
the binary itself prints for 'dsim --help' and 'dsim COMMAND --help', so the
page and the help never disagree (meson builds it; 'meson install' puts it
in man1)."""
import subprocess
import sys


def roff(text):
    """Plain text as roff: escape backslashes and leading dots/quotes."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def helptext(dsim, *args):
    r = subprocess.run([dsim, *args], capture_output=True, text=True, check=False)
    return r.stdout or r.stderr


def main():
    dsim, output, version = sys.argv[1:4]
    top = helptext(dsim, "--help")
    commands = []
    for line in top.splitlines():
        if line.startswith("  ") and line.strip():
            commands.append(line.split()[0])
    if not commands:
        sys.exit("mkman.py: 'dsim --help' listed no commands")
    page = [
        '.TH DSIM 1 "" "dsim %s" "User Commands"' % version,
        ".SH NAME",
        "dsim \\- deterministic simulator for distributed systems",
        ".SH SYNOPSIS",
        ".B dsim",
        "\\fICOMMAND\\fR [\\fIARGS\\fR]",
        ".SH DESCRIPTION",
        "dsim runs real protocol implementations inside one process on a virtual",
        "clock, injects network, process, clock and disk faults, and checks the",
        "histories the runs produce; every run is reproducible from its seed.",
        "Scenarios are Lua 5.4 scripts; the installed examples are in",
        ".I share/dsim/scenarios",
        "under the installation prefix (/usr/local by default).",
        ".PP",
        ".nf",
        roff(top),
        ".fi",
        ".SH COMMANDS",
    ]
    for c in commands:
        page += [".SS dsim %s" % c, ".nf", roff(helptext(dsim, c, "--help")), ".fi"]
    page += [
        ".SH EXIT STATUS",
        "0 all checks passed; 1 a check failed (a bug was found); 2 bad input or",
        "usage; 3 internal error; 4 no check failed but one could not decide.",
        ".SH SEE ALSO",
        "The README and docs/ of the dsim source tree.",
    ]
    with open(output, "w") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
